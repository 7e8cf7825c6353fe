import { z } from 'zod';
import { Subjects, type Subject } from './pipeline-names.ts';

/** What the user asked for; travels with the item so every stage knows its part. */
export const enhanceOptionsSchema = z.object({
  /** Super-resolution factor; 1 skips the stage's model (the stage still passes the item on). */
  scale: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(2),
  colorize: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Video only: output frame rate as a multiple of the input's. */
  frameRateFactor: z.union([z.literal(1), z.literal(2), z.literal(4)]).default(2),
});
export type EnhanceOptions = z.infer<typeof enhanceOptionsSchema>;

/** Object-store key: relative, no `..`, no leading slash. Events carry keys, never bytes. */
const objectKey = z.string().min(1).max(512).regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._\-/]+$/, 'a relative object key');

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

const videoArtifact = {
  ...imageArtifact,
  frames: z.number().int().positive(),
  /** Average frames per second (variable-rate sources carry timestamps in the container). */
  fps: z.number().positive(),
  hasAudio: z.boolean(),
};

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
  kind: z.enum(['image', 'video']),
  stage: z.enum(['preprocess', 'colorize', 'superres', 'interpolate', 'publish']),
  /** Typed, client-facing code, e.g. UNSUPPORTED_MEDIA, IMAGE_TOO_LARGE, MODEL_REJECTED. */
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  message: z.string().max(2000),
  attempt: z.number().int().positive(),
});

/** Every pipeline event's payload, keyed by subject: the one catalogue all services validate against. */
export const eventSchemas = {
  [Subjects.imageUploaded]: uploaded,
  [Subjects.imagePreprocessed]: z.object({ ...imageArtifact, isMonochrome: z.boolean() }),
  [Subjects.imageColorized]: z.object({ ...imageArtifact, colorized: z.boolean() }),
  [Subjects.imageSuperResolved]: z.object({ ...imageArtifact, scale: z.number().int().positive() }),
  [Subjects.imagePublished]: z.object({ ...imageArtifact, contentType: z.string() }),
  [Subjects.videoUploaded]: uploaded,
  [Subjects.videoPreprocessed]: z.object({ ...videoArtifact, isMonochrome: z.boolean() }),
  [Subjects.videoColorized]: z.object({ ...videoArtifact, colorized: z.boolean() }),
  [Subjects.videoSuperResolved]: z.object({ ...videoArtifact, scale: z.number().int().positive() }),
  [Subjects.videoInterpolated]: z.object({ ...videoArtifact }),
  [Subjects.videoPublished]: z.object({ ...videoArtifact, contentType: z.string() }),
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
    throw new InvalidEventError(subject, result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data as EventOf<S>;
}

/** Progress of one stage on one item (tiles for images, frames for videos). */
export const stageProgressSchema = z.object({
  mediaId: z.uuid(),
  stage: z.enum(['preprocess', 'colorize', 'superres', 'interpolate', 'publish']),
  done: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  unit: z.enum(['tiles', 'frames', 'bytes', 'steps']),
  at: z.iso.datetime(),
});
export type StageProgress = z.infer<typeof stageProgressSchema>;
