import { z } from 'zod';
import { MediaKinds, Stages, Subjects, type MediaKind, type Stage, type Subject } from './pipeline-names.ts';

/** Every stage name, for schemas (the catalogue in flow.ts says what each does). */
const stageName = z.enum(Object.values(Stages) as [Stage, ...Stage[]]);
const mediaKind = z.enum(Object.values(MediaKinds) as [MediaKind, ...MediaKind[]]);

/** What the user asked for; travels with the item so every stage knows its part. */
export const enhanceOptionsSchema = z.object({
  /** Super-resolution factor; 1 skips the stage's model (the stage still passes the item on). */
  scale: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(2),
  colorize: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Cracks, scratches, dust: `auto` repairs what the detector finds and passes clean pictures through untouched. */
  repair: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Video only: output frame rate as a multiple of the input's. */
  frameRateFactor: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(2),
});
export type EnhanceOptions = z.infer<typeof enhanceOptionsSchema>;

/** Object-store key: relative, no `..`, no leading slash. Events carry keys, never bytes. */
const objectKey = z
  .string()
  .min(1)
  .max(512)
  .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._\-/]+$/, 'a relative object key');

const itemBase = {
  mediaId: z.uuid(),
  options: enhanceOptionsSchema,
  /** When the stage that emitted this event finished it (ISO 8601). */
  at: z.iso.datetime(),
};

const imageArtifact = {
  ...itemBase,
  /** The stage's output in object storage. */
  key: objectKey,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
};

/** An exact frame rate as a fraction "num/den": 30000/1001 stays exact (29.97 drifts ~0.1 s an hour against the audio). */
export const frameRateSchema = z.string().regex(/^[1-9]\d{0,6}\/[1-9]\d{0,6}$/, 'a frame rate "num/den"');

/**
 * One piece of a video. Preprocess cuts the upload into chunks of a few seconds and every later
 * stage handles one chunk per message, so N replicas of a stage work on one video at once and a
 * crash costs one chunk, never the video. Counts are in the frames of the emitting stage's output.
 */
export const videoChunkSchema = z
  .object({
    index: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    /** Where the chunk starts in the video and how long it lasts, from the exact frame rate. */
    startSeconds: z.number().nonnegative(),
    durationSeconds: z.number().positive(),
    /** Frames that belong to this chunk. */
    frames: z.number().int().positive(),
    /** Index of the chunk's first frame in the whole video. */
    firstFrame: z.number().int().nonnegative(),
    /**
     * Frames stored after `frames` in the chunk's file: the next chunk's first frame, carried so
     * interpolation can bridge the cut between chunks. Consumers read `frames` and drop these.
     */
    overlapFrames: z.number().int().min(0).max(1).default(0),
    /**
     * The previous chunk's file in the same output as `key` (absent for chunk 0): for a stage
     * that looks across the cut (colorize primes its smoothing on it). Each stage sets it for
     * its own output, so no stage reads another's storage layout.
     */
    previousKey: objectKey.optional(),
  })
  .refine((c) => c.index < c.count, { message: 'index must be below count', path: ['index'] });
export type VideoChunk = z.infer<typeof videoChunkSchema>;

/** What every video event says about the whole video, as the emitting stage outputs it. */
const videoBase = {
  ...itemBase,
  /** The upload: publish takes the audio and subtitles from it. */
  originalKey: objectKey,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Frames of the whole video. */
  frames: z.number().int().positive(),
  /** frameRate as a number, for display. */
  fps: z.number().positive(),
  /** Constant after preprocess: variable-rate sources are resampled on their timestamps. */
  frameRate: frameRateSchema,
  durationSeconds: z.number().positive(),
  hasAudio: z.boolean(),
};

/** A processed chunk: `key` is this chunk's file (lossless intermediate, see @revive/video-io). */
const videoChunkArtifact = { ...videoBase, key: objectKey, chunk: videoChunkSchema };

const uploaded = z.object({
  ...itemBase,
  originalKey: objectKey,
  filename: z.string().max(255),
  /** Declared by the client; preprocess decides from the content. */
  contentType: z.string().max(255),
  bytes: z.number().int().positive(),
});

const failed = z.object({
  ...itemBase,
  kind: mediaKind,
  stage: stageName,
  /** Typed, client-facing code, e.g. UNSUPPORTED_MEDIA, IMAGE_TOO_LARGE, MODEL_REJECTED. */
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  message: z.string().max(2000),
  attempt: z.number().int().positive(),
});

/**
 * A small WebP rendition of a picture in object storage (a video's frame), at most 480 px on its
 * long side: what lists and cards show instead of the full-size file.
 */
export const previewSchema = z.object({
  key: objectKey,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type Preview = z.infer<typeof previewSchema>;

/** What the pipeline says about its ends: the original's preview (preprocess), the result's preview and bytes (publish). */
const resultFacts = { preview: previewSchema, bytes: z.number().int().positive() };

/**
 * What every stage's output event says besides its artifact, for people: `skipped` is why the
 * stage handed the item on unchanged ("colour was not asked for"), absent when it did its work;
 * `summary` is what it did, when it did ("repaired 2.3 % of the picture"), absent when it has
 * nothing to add. The projection reads both for every stage alike; a stage's own rule for
 * skipping, and its wording, stay in the stage.
 */
const stageOutcome = {
  skipped: z.string().min(1).max(200).optional(),
  summary: z.string().min(1).max(200).optional(),
  /** The upload's preview: set by preprocess (on every chunk of a video), not handed on by later stages. */
  preview: previewSchema.optional(),
};

/**
 * The picture so far, as every image stage hands it to the next: the same shape whichever
 * stage emitted it, so a stage inserted between two others changes neither of them.
 * `isMonochrome` is preprocess's finding about the upload, carried along for the stages after it.
 */
const imageStageEvent = z.object({ ...imageArtifact, ...stageOutcome, isMonochrome: z.boolean() });
export type ImageStageEvent = z.infer<typeof imageStageEvent>;

/** One chunk of the video so far, as every video stage hands it to the next (see imageStageEvent). */
const videoChunkEvent = z.object({ ...videoChunkArtifact, ...stageOutcome, isMonochrome: z.boolean() });
export type VideoChunkEvent = z.infer<typeof videoChunkEvent>;

/** Every pipeline event's payload, keyed by subject: the one catalogue all services validate against. */
export const eventSchemas = {
  [Subjects.imageUploaded]: uploaded,
  [Subjects.imagePreprocessed]: imageStageEvent,
  [Subjects.imageRepaired]: imageStageEvent,
  [Subjects.imageColorized]: imageStageEvent,
  [Subjects.imageSuperResolved]: imageStageEvent,
  [Subjects.imagePublished]: z.object({ ...imageArtifact, ...stageOutcome, ...resultFacts, contentType: z.string() }),
  [Subjects.videoUploaded]: uploaded,
  // Video events other than `published` come once per chunk (msgID messageId(id, stage, chunk.index)).
  [Subjects.videoPreprocessed]: videoChunkEvent,
  [Subjects.videoRepaired]: videoChunkEvent,
  [Subjects.videoColorized]: videoChunkEvent,
  [Subjects.videoSuperResolved]: videoChunkEvent,
  [Subjects.videoInterpolated]: videoChunkEvent,
  /** Once per video, after the join: `key` is the MP4, `posterKey` a JPEG still, `preview` a small WebP of the same frame. */
  [Subjects.videoPublished]: z.object({
    ...videoBase,
    ...stageOutcome,
    ...resultFacts,
    key: objectKey,
    posterKey: objectKey,
    contentType: z.string(),
  }),
  [Subjects.mediaFailed]: failed,
} as const satisfies Record<Subject, z.ZodType>;

/** The payload type of the event on subject S. */
export type EventOf<S extends Subject> = z.infer<(typeof eventSchemas)[S]>;

/** A validated event: subject and payload, discriminated by subject. */
export type PipelineEvent = { [S in Subject]: { subject: S; payload: EventOf<S> } }[Subject];

/** Raised when a message's payload breaks its subject's schema: poison input, never retried. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  readonly retryable = false;
  constructor(
    readonly subject: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${subject} event: ${problems.join('; ')}`);
  }
}

export function isSubject(value: string): value is Subject {
  return value in eventSchemas;
}

/** Validates a payload at a consumer boundary (`msg.json()` is a cast, not a check). */
export function parseEvent<S extends Subject>(subject: S, payload: unknown): EventOf<S> {
  const result = eventSchemas[subject].safeParse(payload);
  if (!result.success) {
    throw new InvalidEventError(
      subject,
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return result.data as EventOf<S>;
}

/** Progress of one stage on one item (tiles for images, frames for videos). */
export const stageProgressSchema = z.object({
  mediaId: z.uuid(),
  stage: stageName,
  done: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  unit: z.enum(['tiles', 'frames', 'bytes', 'steps']),
  at: z.iso.datetime(),
});
export type StageProgress = z.infer<typeof stageProgressSchema>;
