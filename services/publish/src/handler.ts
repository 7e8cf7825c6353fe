import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Stages, Subjects, type ImageStageEvent } from '@revive/contracts';
import { convertToPng, encodeWebpPreview, readImageFileHeader, type ImageFileHeader } from '@revive/image-io';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';
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
import { createPublishVideoHandler } from './video.handler.ts';

/** What the publish handlers need, built once in stage.ts (or by a test). */
export interface PublishDeps {
  readonly store: ObjectStore;
  readonly log: Logger;
  /** Parent of the per-item work directories; the OS temp dir by default. */
  readonly tmpDir?: string;
  /** x264 preset of video results; `medium` by default. */
  readonly videoPreset?: string;
}

export interface PublishHandlers {
  readonly image: HandlerOf<typeof Stages.publish, 'image'>;
  readonly video: HandlerOf<typeof Stages.publish, 'video'>;
}

/**
 * The result format: PNG. A restoration is the end of a chain of lossy-averse steps; JPEG
 * would add its own artefacts on top of the model's detail and drop the alpha channel. Clients
 * that want a smaller file can transcode; they cannot undo JPEG.
 */
export const RESULT_CONTENT_TYPE = 'image/png';

const STEPS = 3;

/**
 * Publish writes the item's final result under its stable key `media/<id>/result.png` and
 * announces it. It writes no database: the gateway projects the published event.
 */
export function createPublishHandlers(deps: PublishDeps): PublishHandlers {
  async function publish(event: ImageStageEvent, ctx: HandlerContext, dir: string): Promise<Outcome> {
    const { mediaId, options } = event;
    const input = join(dir, 'input');
    await download(deps.store, event.key, input);
    stepDone(ctx, 1, STEPS);
    let header: ImageFileHeader;
    try {
      header = await readImageFileHeader(input);
    } catch (error) {
      return reject('CORRUPT_IMAGE', `the image to publish (${event.key}) cannot be read: ${(error as Error).message}`);
    }
    let result = input;
    // Every earlier stage writes PNG, so the bytes are copied as they are; re-encoding a large
    // upscaled image would cost seconds and change nothing.
    if (header.format !== 'png') {
      result = join(dir, 'result.png');
      await convertToPng(input, result);
    }
    stepDone(ctx, 2, STEPS);
    const key = outputKey(mediaId, 'result.png');
    await upload(deps.store, key, result, RESULT_CONTENT_TYPE, ctx.signal);
    const preview = await storePreview(deps.store, mediaId, 'result', await encodeWebpPreview(result), ctx.signal);
    stepDone(ctx, 3, STEPS);
    const payload = {
      mediaId,
      options,
      at: new Date().toISOString(),
      key,
      width: header.width || event.width,
      height: header.height || event.height,
      contentType: RESULT_CONTENT_TYPE,
      bytes: (await stat(result)).size,
      preview,
    };
    return handOn(Subjects.imagePublished, payload, Stages.publish);
  }

  return {
    image: settlingErrors(deps.log, (event, ctx) => inWorkDir(deps.tmpDir, Stages.publish, (dir) => publish(event, ctx, dir))),
    video: createPublishVideoHandler(deps),
  };
}
