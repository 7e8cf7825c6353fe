import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { ColourAnalysis } from '@revive/colorizer';
import { loadPlatformConfig } from '@revive/config';
import { parseEvent, Stages, Subjects, type EventOf, type Preview, type VideoChunkEvent } from '@revive/contracts';
import { encodeWebpPreview } from '@revive/image-io';
import type { Logger } from '@revive/logging';
import type { HandlerContext, NextEvent, Outcome } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';
import { download, inWorkDir, reject, settlingErrors, stepDone, storePreview, upload, type HandlerOf } from '@revive/stage-kit';
import {
  chunkInOutputOf,
  chunkKey,
  describeChunk,
  formatFrameRate,
  frameSeconds,
  handOnChunk,
  INTERMEDIATE_CONTENT_TYPE,
  rateValue,
  VideoDecodeError,
  videoLimitProblems,
  type VideoInfo,
  type VideoLimitSettings,
} from '@revive/video-io';
import { readImageHeader } from './image-content.ts';
import { probeVideo, SAMPLE_POINTS, sampleVideoColour, ToolRejectedError, type MediaTools } from './video-probe.ts';
import { splitIntoChunks, type SplitChunk } from './video-split.ts';

/** Video settings of the stage (config.video). */
export interface PreprocessVideoSettings {
  readonly limits: VideoLimitSettings;
  readonly chunkSeconds: number;
}

/** The platform's defaults (REVIVE_MAX_VIDEO_* and REVIVE_VIDEO_CHUNK_SECONDS unset), for callers without a config. */
export const DEFAULT_VIDEO_SETTINGS: PreprocessVideoSettings = (() => {
  const { video } = loadPlatformConfig({});
  return { limits: video, chunkSeconds: video.chunkSeconds };
})();

export interface PreprocessVideoDeps {
  readonly store: ObjectStore;
  readonly log: Logger;
  readonly tools: MediaTools;
  readonly video?: PreprocessVideoSettings;
  readonly tmpDir?: string;
}

// Download, probe, then one step per colour sample; the split reports frames.
const VIDEO_STEPS = 2 + SAMPLE_POINTS.length;
/** A decode that yields less than this share of the frames the header announces is a truncated file. */
const MIN_DECODED_SHARE = 0.9;

type Preprocessed = VideoChunkEvent;

/**
 * Checks that a video upload is a decodable video within the limits, describes it, and cuts it
 * into chunks of a few seconds (see splitIntoChunks), one `video.preprocessed` event each: the
 * later stages work on chunks in parallel, on as many replicas as there are. The events are
 * recorded with the chunks, so a redelivered upload hands the same chunks on instead of cutting again.
 */
export function createPreprocessVideoHandler(deps: PreprocessVideoDeps): HandlerOf<typeof Stages.preprocess, 'video'> {
  const settings = deps.video ?? DEFAULT_VIDEO_SETTINGS;

  async function preprocessVideo(event: EventOf<typeof Subjects.videoUploaded>, ctx: HandlerContext, dir: string): Promise<Outcome> {
    const original = join(dir, 'original');
    await download(deps.store, event.originalKey, original);
    let done = 1;
    stepDone(ctx, done, VIDEO_STEPS);
    if ((await stat(original)).size === 0) return reject('UNSUPPORTED_MEDIA', 'the upload is empty');
    // ffprobe also "reads" JPEGs and PNGs as one-frame videos, so ask the image decoder first.
    const header = await readImageHeader(original);
    if (header.kind !== 'not-image') {
      return reject(
        'UNSUPPORTED_MEDIA',
        `declared ${event.contentType}, but the content is a ${header.format} image, not a video: upload it as an image`,
      );
    }
    const video = await probeVideo(deps.tools, original);
    if (video.kind === 'not-video') return reject('UNSUPPORTED_MEDIA', `the content is not a video Revive can read: ${video.detail}`);
    const [problem] = videoLimitProblems(video, event.options, settings.limits);
    if (problem) return reject(problem.code, problem.message);
    stepDone(ctx, ++done, VIDEO_STEPS);
    let colour: ColourAnalysis | undefined;
    try {
      colour = await sampleVideoColour(deps.tools, original, video, () => stepDone(ctx, ++done, VIDEO_STEPS));
    } catch (error) {
      if (error instanceof ToolRejectedError)
        return reject('UNSUPPORTED_MEDIA', `the ${video.codec} video stream cannot be decoded: ${error.message}`);
      throw error;
    }
    if (!colour) return reject('UNSUPPORTED_MEDIA', `no frame of the ${video.codec} video stream could be decoded`);

    const expected = Math.max(1, Math.round(video.durationSeconds * rateValue(video.frameRate)));
    // The preview shows the middle frame, the one publish makes the result's poster and preview
    // of, so the two previews compare like with like; the first frame stands in for a short decode.
    const previewFrame = Math.floor(expected / 2);
    let still: Uint8Array | undefined;
    let split;
    try {
      split = await splitIntoChunks(deps.tools, original, video, dir, settings.chunkSeconds, {
        onFrame(frames, frame) {
          if (frames === 1 || frames - 1 === previewFrame) still = frame;
          ctx.signal.throwIfAborted();
          ctx.progress(Math.min(frames, expected), expected, 'frames');
          ctx.heartbeat();
        },
        async onChunk(chunk, index) {
          await upload(deps.store, chunkKey(event.mediaId, Stages.preprocess, index), chunk.path, INTERMEDIATE_CONTENT_TYPE, ctx.signal);
          await rm(chunk.path, { force: true });
        },
      });
    } catch (error) {
      if (error instanceof VideoDecodeError)
        return reject('CORRUPT_VIDEO', `the ${video.codec} video cannot be decoded to the end: ${error.message}`);
      throw error;
    }
    if (split.frames < expected * MIN_DECODED_SHARE) {
      const why = split.errors.length ? ` (ffmpeg: ${split.errors.slice(-2).join(' | ')})` : '';
      return reject(
        'CORRUPT_VIDEO',
        `the ${video.codec} video is truncated or damaged: ${split.frames} of the ${expected} frames its header announces could be decoded${why}`,
      );
    }
    const preview = await storePreview(
      deps.store,
      event.mediaId,
      'original',
      await encodeWebpPreview({ pixels: still!, width: video.width, height: video.height, channels: 3 }),
      ctx.signal,
    );
    const events = chunkEvents(event, video, split.frames, colour.isMonochrome, split.chunks, preview);
    await deps.store.put(manifestKey(event.mediaId), new TextEncoder().encode(JSON.stringify(events)), { contentType: 'application/json' });
    deps.log.info(
      {
        mediaId: event.mediaId,
        codec: video.codec,
        width: video.width,
        height: video.height,
        frameRate: formatFrameRate(video.frameRate),
        variableRate: video.variableRate,
        frames: split.frames,
        chunks: split.chunks.length,
        colour,
      },
      'video preprocessed',
    );
    return handOnAll(events);
  }

  return settlingErrors(deps.log, async (event, ctx) => {
    const recorded = await recordedEvents(event.mediaId);
    if (recorded) return handOnAll(recorded);
    return inWorkDir(deps.tmpDir, Stages.preprocess, (dir) => preprocessVideo(event, ctx, dir));
  });

  async function recordedEvents(mediaId: string): Promise<Preprocessed[] | undefined> {
    if (!(await deps.store.head(manifestKey(mediaId)))) return undefined;
    const raw = JSON.parse((await buffer(await deps.store.get(manifestKey(mediaId)))).toString('utf8')) as unknown[];
    deps.log.info({ mediaId, chunks: raw.length }, 'video already cut into chunks; handing them on again');
    return raw.map((e) => parseEvent(Subjects.videoPreprocessed, e));
  }
}

/** One event per chunk; every one also describes the whole video. */
function chunkEvents(
  event: EventOf<typeof Subjects.videoUploaded>,
  video: VideoInfo,
  frames: number,
  isMonochrome: boolean,
  chunks: readonly SplitChunk[],
  preview: Preview,
): Preprocessed[] {
  const { mediaId, options, originalKey } = event;
  const rate = video.frameRate;
  const at = new Date().toISOString();
  const whole = {
    mediaId,
    options,
    at,
    originalKey,
    width: video.width,
    height: video.height,
    frames,
    fps: rateValue(rate),
    frameRate: formatFrameRate(rate),
    durationSeconds: frameSeconds(frames, rate),
    hasAudio: video.hasAudio,
    isMonochrome,
    preview,
  };
  return chunks.map((c, index) => ({
    ...whole,
    key: chunkKey(mediaId, Stages.preprocess, index),
    chunk: chunkInOutputOf(Stages.preprocess, mediaId, describeChunk(index, chunks.length, c.firstFrame, c.frames, rate, c.overlapFrames)),
  }));
}

/** The next events, all of them: published in chunk order before the upload is acked. */
function handOnAll(events: readonly Preprocessed[]): Outcome {
  const next: NextEvent[] = events.flatMap((e) => {
    const outcome = handOnChunk(Subjects.videoPreprocessed, e, Stages.preprocess);
    return outcome.kind === 'done' ? outcome.next : [];
  });
  return { kind: 'done', next };
}

/** The chunk events as emitted, kept beside the chunks. */
function manifestKey(mediaId: string): string {
  return `media/${mediaId}/${Stages.preprocess}/chunks.json`;
}
