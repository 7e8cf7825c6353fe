import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ColourAnalysis } from '@revive/colorizer';
import { Stages, Subjects, type EventOf } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';
import { readImageHeader } from './image-normalise.ts';
import { download, failureOutcome, handOn, inWorkDir, reject, stepDone, type HandlerOf } from '@revive/stage-kit';
import { probeVideo, SAMPLE_POINTS, sampleVideoColour, ToolRejectedError, type MediaTools } from './video-probe.ts';

export interface PreprocessVideoDeps {
  readonly store: ObjectStore;
  readonly log: Logger;
  readonly tools: MediaTools;
  readonly tmpDir?: string;
}

// Download, probe, then one step per colour sample.
const VIDEO_STEPS = 2 + SAMPLE_POINTS.length;

/**
 * Checks that a video upload is a decodable video and describes it (displayed size, frame
 * count, rate, audio, monochrome) for the later stages. The original is not re-encoded yet:
 * the event points at it, and the video stages decide how to decode it.
 */
export function createPreprocessVideoHandler(deps: PreprocessVideoDeps): HandlerOf<typeof Subjects.videoUploaded> {
  async function preprocessVideo(event: EventOf<typeof Subjects.videoUploaded>, ctx: HandlerContext, dir: string): Promise<Outcome> {
    const original = join(dir, 'original');
    await download(deps.store, event.originalKey, original);
    let done = 1;
    stepDone(ctx, done, VIDEO_STEPS);
    if ((await stat(original)).size === 0) return reject('UNSUPPORTED_MEDIA', 'the upload is empty');
    // ffprobe also "reads" JPEGs and PNGs as one-frame videos, so ask the image decoder first.
    const header = await readImageHeader(original);
    if (header.kind !== 'not-image') {
      return reject('UNSUPPORTED_MEDIA', `declared ${event.contentType}, but the content is a ${header.format} image, not a video: upload it as an image`);
    }
    const video = await probeVideo(deps.tools, original);
    if (video.kind === 'not-video') return reject('UNSUPPORTED_MEDIA', `the content is not a video Revive can read: ${video.detail}`);
    stepDone(ctx, ++done, VIDEO_STEPS);
    let colour: ColourAnalysis | undefined;
    try {
      colour = await sampleVideoColour(deps.tools, original, video, () => stepDone(ctx, ++done, VIDEO_STEPS));
    } catch (error) {
      if (error instanceof ToolRejectedError) return reject('UNSUPPORTED_MEDIA', `the ${video.codec} video stream cannot be decoded: ${error.message}`);
      throw error;
    }
    if (!colour) return reject('UNSUPPORTED_MEDIA', `no frame of the ${video.codec} video stream could be decoded`);
    deps.log.debug({ mediaId: event.mediaId, video, colour }, 'video preprocessed');
    const { mediaId, options } = event;
    const { width, height, frames, fps, hasAudio } = video;
    const payload = { mediaId, options, at: new Date().toISOString(), key: event.originalKey, width, height, frames, fps, hasAudio, isMonochrome: colour.isMonochrome };
    return handOn(Subjects.videoPreprocessed, payload, Stages.preprocess);
  }

  return async (event, ctx) => {
    try {
      return await inWorkDir(deps.tmpDir, Stages.preprocess, (dir) => preprocessVideo(event, ctx, dir));
    } catch (error) {
      return failureOutcome(error, deps.log, event.mediaId);
    }
  };
}
