import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { outputSizeProblems, Stages, Subjects, type EventOf, type OutputLimits } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import { encodeWebpPreview, InvalidImageError, writeWorkingPng, type WorkingImage } from '@revive/image-io';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';
import { analyseImageColour, readImageHeader, type ImageHeader } from './image-content.ts';
import {
  download,
  handOn,
  inWorkDir,
  outputKey,
  reject,
  settlingErrors,
  stepDone,
  storePreview,
  upload,
  type HandlerOf,
} from '@revive/stage-kit';
import { defaultMediaTools, probeVideo, type MediaTools } from './video-probe.ts';
import { createPreprocessVideoHandler, type PreprocessVideoSettings } from './video.handler.ts';

/** What the preprocess handlers need, built once in stage.ts (or by a test). */
export interface PreprocessDeps {
  readonly store: ObjectStore;
  readonly log: Logger;
  /** Largest image accepted, in pixels: the decompression-bomb guard (config.inference.maxInputPixels). */
  readonly maxInputPixels: number;
  /** Largest restored image (config.image): the upload's size is known here first, from its content. */
  readonly imageOutput: OutputLimits['image'];
  readonly tools?: MediaTools;
  /** Video limits and chunk length (config.video); defaults when not given. */
  readonly video?: PreprocessVideoSettings;
  /** Parent of the per-item work directories; the OS temp dir by default. */
  readonly tmpDir?: string;
}

export interface PreprocessHandlers {
  readonly image: HandlerOf<typeof Stages.preprocess, 'image'>;
  readonly video: HandlerOf<typeof Stages.preprocess, 'video'>;
}

const IMAGE_STEPS = 4;

/**
 * Preprocess decides what an upload really is from its content (the declared type and the
 * file name are the client's claims), refuses what cannot be restored with a code the client
 * can act on, and writes the working copy every later stage reads.
 */
export function createPreprocessHandlers(deps: PreprocessDeps): PreprocessHandlers {
  const tools = deps.tools ?? defaultMediaTools;

  async function preprocessImage(event: EventOf<typeof Subjects.imageUploaded>, ctx: HandlerContext, dir: string): Promise<Outcome> {
    const original = join(dir, 'original');
    await download(deps.store, event.originalKey, original);
    stepDone(ctx, 1, IMAGE_STEPS);
    if ((await stat(original)).size === 0) return reject('UNSUPPORTED_MEDIA', 'the upload is empty');
    const header = await readImageHeader(original);
    if (header.kind !== 'photo') return reject('UNSUPPORTED_MEDIA', await describeNonPhoto(header, original, event.contentType));
    const pixels = header.width * header.height;
    if (pixels > deps.maxInputPixels) {
      return reject(
        'IMAGE_TOO_LARGE',
        `the ${header.format} image is ${header.width}x${header.height} (${pixels} pixels); the limit is ${deps.maxInputPixels} pixels`,
      );
    }
    const [tooLarge] = outputSizeProblems('image', header, event.options, deps.imageOutput);
    if (tooLarge) return reject(tooLarge.code, tooLarge.message);
    const working = join(dir, 'preprocessed.png');
    let image: WorkingImage;
    try {
      image = await writeWorkingPng(original, working, deps.maxInputPixels);
    } catch (error) {
      if (error instanceof InvalidImageError)
        return reject('UNSUPPORTED_MEDIA', `the ${header.format} image is corrupt or truncated: ${error.message}`);
      throw error;
    }
    stepDone(ctx, 2, IMAGE_STEPS);
    const colour = await analyseImageColour(working);
    stepDone(ctx, 3, IMAGE_STEPS);
    const key = outputKey(event.mediaId, 'preprocessed.png');
    await upload(deps.store, key, working, 'image/png', ctx.signal);
    // From the working copy: turned upright and in sRGB, as every later stage and the result see it.
    const preview = await storePreview(deps.store, event.mediaId, 'original', await encodeWebpPreview(working), ctx.signal);
    stepDone(ctx, 4, IMAGE_STEPS);
    deps.log.debug(
      { mediaId: event.mediaId, format: header.format, width: image.width, height: image.height, colour },
      'image preprocessed',
    );
    const { mediaId, options } = event;
    const payload = {
      mediaId,
      options,
      at: new Date().toISOString(),
      key,
      width: image.width,
      height: image.height,
      isMonochrome: colour.isMonochrome,
      preview,
    };
    return handOn(Subjects.imagePreprocessed, payload, Stages.preprocess);
  }

  /** Says what the content is instead, so the client learns what to do (a video goes up as a video). */
  async function describeNonPhoto(header: Exclude<ImageHeader, { kind: 'photo' }>, path: string, declared: string): Promise<string> {
    if (header.kind === 'other-image') {
      return `the content is a ${header.format} file, not a photo Revive restores (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF, JPEG 2000, JPEG XL)`;
    }
    // A video uploaded as an image deserves a precise answer; if ffprobe is missing, the generic one.
    const video = await probeVideo(tools, path).catch(() => undefined);
    if (video?.kind === 'video')
      return `declared ${declared}, but the content is a video (${video.container}, ${video.codec}), not an image: upload it as a video`;
    return `the content is not an image Revive can read (${header.detail})`;
  }

  return {
    image: settlingErrors(deps.log, (event, ctx) => inWorkDir(deps.tmpDir, Stages.preprocess, (dir) => preprocessImage(event, ctx, dir))),
    video: createPreprocessVideoHandler({ ...deps, tools }),
  };
}
