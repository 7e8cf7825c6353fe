import { Stages, Subjects, type VideoChunkEvent } from '@revive/contracts';
import type { Logger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import type { ModelRuntime } from '@revive/model-runtime';
import type { ObjectStore } from '@revive/object-store';
import { createFrameRepairer, describeRepair } from '@revive/repairer';
import { reject, settlingErrors, type HandlerOf } from '@revive/stage-kit';
import { handOnChunk, inputRate, runChunkStage, videoFieldsOf } from '@revive/video-io';
import { NO_DAMAGE_FOUND, REPAIR_NOT_ASKED } from './skip-reasons.ts';

export interface RepairVideoDeps {
  readonly store: ObjectStore;
  readonly runtime: ModelRuntime;
  readonly log: Logger;
  readonly tmpDir?: string;
  /** Why the engine's models cannot be used, or undefined when they can (shared with the image handler). */
  readonly modelProblem: () => Promise<string | undefined>;
}

/**
 * Repairs one chunk of a video, frame by frame through ffmpeg pipes. `off` hands the chunk on
 * untouched. Otherwise every frame goes through the repairer and the chunk says how much of it
 * had damage. A chunk with none is handed on SKIPPED ("no damage found") with the file the stage
 * wrote rather than its input: the frames are the same (the intermediate is lossless), the
 * upload has already happened by the time the frames have been looked at, and an event that
 * names the stage's own file keeps it where cancelMedia's clean-up finds it.
 */
export function createRepairVideoHandler(deps: RepairVideoDeps): HandlerOf<typeof Stages.repair, 'video'> {
  async function repairChunk(event: VideoChunkEvent, ctx: HandlerContext): Promise<Outcome> {
    const mode = event.options.repair;
    if (mode === 'off') {
      const payload = {
        ...videoFieldsOf(event),
        at: new Date().toISOString(),
        key: event.key,
        chunk: event.chunk,
        skipped: REPAIR_NOT_ASKED,
      };
      return handOnChunk(Subjects.videoRepaired, payload, Stages.repair);
    }
    const problem = await deps.modelProblem();
    if (problem) return reject('MODEL_UNAVAILABLE', `repair model unavailable: ${problem}`);
    const { width, height } = event;
    const found = new DamageTally();
    return runChunkStage(deps, event, ctx, {
      stage: Stages.repair,
      subject: Subjects.videoRepaired,
      width,
      height,
      rate: inputRate(event),
      frames: event.chunk.frames,
      async run(frames, write) {
        // Made here rather than up front: a chunk finished before is handed on from its record, without one.
        const repairer = await createFrameRepairer(deps.runtime, { mode, width, height });
        let index = 0;
        for await (const frame of frames) {
          const { pixels, damagedFraction } = await repairer.repair(frame);
          // An overlap frame (the next chunk's first) is repaired alike, but the next chunk reports it.
          if (index++ < event.chunk.frames) found.add(damagedFraction);
          await write(pixels);
        }
      },
      describe: (key) => {
        const described = { ...videoFieldsOf(event), at: new Date().toISOString(), key, chunk: event.chunk };
        return found.damagedFrames === 0 ? { ...described, skipped: NO_DAMAGE_FOUND } : { ...described, summary: found.summary() };
      },
    });
  }

  return settlingErrors(deps.log, (event, ctx) => repairChunk(event, ctx));
}

/** What the repairer found in a chunk's own frames. */
class DamageTally {
  frames = 0;
  damagedFrames = 0;
  /** Sum of the damaged share of the frames that had damage. */
  private damagedShares = 0;

  add(damagedFraction: number): void {
    this.frames += 1;
    if (damagedFraction <= 0) return;
    this.damagedFrames += 1;
    this.damagedShares += damagedFraction;
  }

  /** `repaired 2.3 % of the picture in 12 of 48 frames`: the share is the mean over the frames that had damage. */
  summary(): string {
    return `${describeRepair(this.damagedShares / this.damagedFrames)} in ${this.damagedFrames} of ${this.frames} frames`;
  }
}
