import { join } from 'node:path';
import { colorizeImageFile, DEFAULT_COLORIZE_MODEL, describeColorization } from '@revive/colorizer';
import { Stages, Subjects, type ImageStageEvent } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import { ModelNotFoundError, ModelRejectedError, type ModelRuntime } from '@revive/model-runtime';
import type { ObjectStore } from '@revive/object-store';
import {
  download,
  handOn,
  imageFieldsOf,
  inWorkDir,
  outputKey,
  reject,
  settlingErrors,
  stepDone,
  upload,
  type HandlerOf,
} from '@revive/stage-kit';
import { skipReason } from './skip-reason.ts';
import { createColorizeVideoHandler } from './video.handler.ts';

/** What the colorize handlers need, built once in stage.ts (or by a test). */
export interface ColorizeDeps {
  readonly store: ObjectStore;
  readonly runtime: ModelRuntime;
  readonly log: Logger;
  /** Decompression-bomb guard for the input (config.inference.maxInputPixels). */
  readonly maxInputPixels: number;
  /** The colorization model; the one bundled with the repository by default. */
  readonly modelId?: string;
  /** Parent of the per-item work directories; the OS temp dir by default. */
  readonly tmpDir?: string;
}

export interface ColorizeHandlers {
  readonly image: HandlerOf<typeof Stages.colorize, 'image'>;
  readonly video: HandlerOf<typeof Stages.colorize, 'video'>;
}

const STEPS = 3;

/**
 * Colorize adds colour to monochrome photos. `off`, and `auto` on a photo preprocess found
 * colourful, hand the item on untouched; otherwise the model runs. A missing or broken model
 * fails the item loudly: quietly passing a grey photo on would look like success.
 */
export function createColorizeHandlers(deps: ColorizeDeps): ColorizeHandlers {
  const modelId = deps.modelId ?? DEFAULT_COLORIZE_MODEL;

  /** Why the model cannot be used, or undefined when it can; other errors (disk) stay errors. */
  async function modelProblem(): Promise<string | undefined> {
    try {
      const model = await deps.runtime.load(modelId);
      return model.manifest.task === 'colorize' ? undefined : `model ${modelId} is a ${model.manifest.task} model, not a colorize model`;
    } catch (error) {
      if (error instanceof ModelNotFoundError || error instanceof ModelRejectedError) return error.message;
      throw error;
    }
  }

  async function colorize(event: ImageStageEvent, ctx: HandlerContext): Promise<Outcome> {
    const { mediaId, options } = event;
    const skipped = skipReason(event);
    if (skipped) {
      deps.log.debug({ mediaId, mode: options.colorize, isMonochrome: event.isMonochrome }, 'colorize skipped');
      const payload = {
        ...imageFieldsOf(event),
        at: new Date().toISOString(),
        key: event.key,
        width: event.width,
        height: event.height,
        skipped,
      };
      return handOn(Subjects.imageColorized, payload, Stages.colorize);
    }
    const problem = await modelProblem();
    if (problem) return reject('MODEL_UNAVAILABLE', `colorization model unavailable: ${problem}`);
    return inWorkDir(deps.tmpDir, Stages.colorize, async (dir) => {
      const input = join(dir, 'input.png');
      await download(deps.store, event.key, input);
      stepDone(ctx, 1, STEPS);
      const output = join(dir, 'colorized.png');
      // `on`: the decision is made above; the colorizer must not overrule it with a second analysis.
      const result = await colorizeImageFile(deps.runtime, {
        inputPath: input,
        outputPath: output,
        mode: 'on',
        modelId,
        maxInputPixels: deps.maxInputPixels,
        tmpDir: dir,
        signal: ctx.signal,
      });
      stepDone(ctx, 2, STEPS);
      const key = outputKey(mediaId, 'colorized.png');
      await upload(deps.store, key, output, 'image/png', ctx.signal);
      stepDone(ctx, 3, STEPS);
      const { width, height } = result.colorized ? result : event;
      const summary = result.analysis && describeColorization(result.analysis);
      return handOn(
        Subjects.imageColorized,
        { ...imageFieldsOf(event), at: new Date().toISOString(), key, width, height, summary },
        Stages.colorize,
      );
    });
  }

  return {
    image: settlingErrors(deps.log, (event, ctx) => colorize(event, ctx)),
    video: createColorizeVideoHandler({ ...deps, modelId, modelProblem }),
  };
}
