import { join } from 'node:path';
import { Stages, Subjects, type EnhanceOptions, type ImageStageEvent } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import { ModelNotFoundError, ModelRejectedError, runModelOnImageFile, type ModelRuntime } from '@revive/model-runtime';
import type { ObjectStore } from '@revive/object-store';
import { download, handOn, imageFieldsOf, inWorkDir, outputKey, reject, settlingErrors, upload, type HandlerOf } from '@revive/stage-kit';
import { createSuperresVideoHandler, SIZE_KEPT } from './video.handler.ts';

/** A super-resolution factor the stage runs a model for (1 skips the model). */
export type UpscaleFactor = Exclude<EnhanceOptions['scale'], 1>;

/**
 * Revive's own models trained on old-photo degradations (blur, grain, JPEG): uploads are scans and
 * phone photos of prints, not clean bicubic downscales. The clean variants (revive-sr-clean-x*)
 * are for the literature's benchmark; the converted ESRGAN models stay installed for comparison.
 */
export const DEFAULT_SUPERRES_MODELS: Readonly<Record<UpscaleFactor, string>> = { 2: 'revive-sr-photo-x2', 4: 'revive-sr-photo-x4' };

/** What the superres handlers need, built once in stage.ts (or by a test). */
export interface SuperresDeps {
  readonly store: ObjectStore;
  readonly runtime: ModelRuntime;
  readonly log: Logger;
  /** Decompression-bomb guard for the input (config.inference.maxInputPixels). */
  readonly maxInputPixels: number;
  /** Tile side in input pixels (config.inference.tileSize); each model's own hint when undefined. */
  readonly tileSize?: number;
  /** Model id per factor; DEFAULT_SUPERRES_MODELS for the factors not given. */
  readonly models?: Partial<Record<UpscaleFactor, string>>;
  /** Parent of the per-item work directories; the OS temp dir by default. */
  readonly tmpDir?: string;
}

export interface SuperresHandlers {
  readonly image: HandlerOf<typeof Stages.superres, 'image'>;
  readonly video: HandlerOf<typeof Stages.superres, 'video'>;
}

/**
 * Superres upscales the photo by the factor the user asked for, tile by tile so memory stays
 * bounded whatever the size, reporting each tile as progress. Factor 1 hands the item on as is.
 */
export function createSuperresHandlers(deps: SuperresDeps): SuperresHandlers {
  const models = { ...DEFAULT_SUPERRES_MODELS, ...deps.models };

  /** Why the model cannot serve this factor, or undefined when it can; other errors (disk) stay errors. */
  async function modelProblem(modelId: string, scale: UpscaleFactor): Promise<string | undefined> {
    try {
      const { manifest } = await deps.runtime.load(modelId);
      if (manifest.task !== 'superres') return `model ${modelId} is a ${manifest.task} model, not a superres model`;
      return manifest.scale === scale ? undefined : `model ${modelId} upscales x${manifest.scale}, the item asks for x${scale}`;
    } catch (error) {
      if (error instanceof ModelNotFoundError || error instanceof ModelRejectedError) return error.message;
      throw error;
    }
  }

  async function superres(event: ImageStageEvent, ctx: HandlerContext): Promise<Outcome> {
    const { mediaId, options } = event;
    const scale = options.scale;
    if (scale === 1) {
      const payload = {
        ...imageFieldsOf(event),
        at: new Date().toISOString(),
        key: event.key,
        width: event.width,
        height: event.height,
        skipped: SIZE_KEPT,
      };
      return handOn(Subjects.imageSuperResolved, payload, Stages.superres);
    }
    const modelId = models[scale];
    const problem = await modelProblem(modelId, scale);
    if (problem) return reject('MODEL_UNAVAILABLE', `super-resolution model unavailable: ${problem}`);
    return inWorkDir(deps.tmpDir, Stages.superres, async (dir) => {
      const input = join(dir, 'input.png');
      await download(deps.store, event.key, input);
      ctx.heartbeat();
      const output = join(dir, 'superres.png');
      const result = await runModelOnImageFile(deps.runtime, {
        modelId,
        inputPath: input,
        outputPath: output,
        maxInputPixels: deps.maxInputPixels,
        tileSize: deps.tileSize,
        tmpDir: dir,
        signal: ctx.signal,
        onProgress: ({ tilesDone, tilesTotal }) => {
          ctx.progress(tilesDone, tilesTotal, 'tiles');
          ctx.heartbeat();
        },
      });
      const key = outputKey(mediaId, 'superres.png');
      await upload(deps.store, key, output, 'image/png', ctx.signal);
      deps.log.debug({ mediaId, modelId, tiles: result.tiles, width: result.width, height: result.height }, 'image upscaled');
      return handOn(
        Subjects.imageSuperResolved,
        { ...imageFieldsOf(event), at: new Date().toISOString(), key, width: result.width, height: result.height },
        Stages.superres,
      );
    });
  }

  return {
    image: settlingErrors(deps.log, (event, ctx) => superres(event, ctx)),
    video: createSuperresVideoHandler({ ...deps, models, modelProblem }),
  };
}
