import { join } from 'node:path';
import { Stages, Subjects, type ImageStageEvent } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ModelRuntime } from '@revive/model-runtime';
import type { ObjectStore } from '@revive/object-store';
import { describeRepair, repairImageFile, repairModelProblem } from '@revive/repairer';
import { download, handOn, imageFieldsOf, inWorkDir, outputKey, reject, settlingErrors, upload, type HandlerOf } from '@revive/stage-kit';
import { NO_DAMAGE_FOUND, REPAIR_NOT_ASKED } from './skip-reasons.ts';
import { createRepairVideoHandler } from './video.handler.ts';

/** What the repair handlers need, built once in stage.ts (or by a test). */
export interface RepairDeps {
  readonly store: ObjectStore;
  readonly runtime: ModelRuntime;
  readonly log: Logger;
  /** Decompression-bomb guard for the input (config.inference.maxInputPixels). */
  readonly maxInputPixels: number;
  /** Parent of the per-item work directories; the OS temp dir by default. */
  readonly tmpDir?: string;
}

export interface RepairHandlers {
  readonly image: HandlerOf<typeof Stages.repair, 'image'>;
  readonly video: HandlerOf<typeof Stages.repair, 'video'>;
}

/**
 * Repair removes cracks, scratches and dust from old prints. `off` hands the item on untouched
 * without looking at it; `auto` hands on a photo the detector finds clean untouched too (its
 * own key: no copy of an unchanged picture), and `on` fills whatever the detector marks. A
 * missing or broken model fails the item loudly: passing a damaged photo on unrepaired would
 * look like success.
 */
export function createRepairHandlers(deps: RepairDeps): RepairHandlers {
  /** Why the engine's models cannot be used, or undefined when they can; other errors (disk) stay errors. */
  const modelProblem = () => repairModelProblem(deps.runtime);

  async function repair(event: ImageStageEvent, ctx: HandlerContext): Promise<Outcome> {
    const mode = event.options.repair;
    const handOnUnchanged = (skipped: string) =>
      handOn(
        Subjects.imageRepaired,
        { ...imageFieldsOf(event), at: new Date().toISOString(), key: event.key, width: event.width, height: event.height, skipped },
        Stages.repair,
      );
    if (mode === 'off') return handOnUnchanged(REPAIR_NOT_ASKED);
    const problem = await modelProblem();
    if (problem) return reject('MODEL_UNAVAILABLE', `repair model unavailable: ${problem}`);
    return inWorkDir(deps.tmpDir, Stages.repair, async (dir) => {
      const input = join(dir, 'input.png');
      await download(deps.store, event.key, input);
      ctx.heartbeat();
      const output = join(dir, 'repaired.png');
      const result = await repairImageFile(deps.runtime, {
        inputPath: input,
        outputPath: output,
        mode,
        maxInputPixels: deps.maxInputPixels,
        tmpDir: dir,
        onProgress: (done, total) => {
          ctx.signal.throwIfAborted();
          ctx.progress(done, total, 'tiles');
          ctx.heartbeat();
        },
      });
      deps.log.debug(
        { mediaId: event.mediaId, mode, repaired: result.repaired, damagedFraction: result.damagedFraction },
        'image examined',
      );
      if (!result.repaired) return handOnUnchanged(NO_DAMAGE_FOUND);
      const key = outputKey(event.mediaId, 'repaired.png');
      await upload(deps.store, key, output, 'image/png', ctx.signal);
      return handOn(
        Subjects.imageRepaired,
        {
          ...imageFieldsOf(event),
          at: new Date().toISOString(),
          key,
          width: result.width,
          height: result.height,
          summary: describeRepair(result.damagedFraction),
        },
        Stages.repair,
      );
    });
  }

  return {
    image: settlingErrors(deps.log, (event, ctx) => repair(event, ctx)),
    video: createRepairVideoHandler({ ...deps, modelProblem }),
  };
}
