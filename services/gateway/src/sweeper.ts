import type { RetentionSettings } from '@revive/config';
import type { Logger } from '@revive/logging';
import type { ObjectStore } from '@revive/object-store';
import { deleteAllObjects, deleteLeftovers } from './leftovers.ts';
import type { MediaRecord, SweepRepository } from './persistence/index.ts';

/** Items one transaction of a sweep takes. */
const BATCH = 50;

/** What one sweep did. */
export interface SweepReport {
  /** Finished items whose intermediates were deleted. */
  readonly swept: number;
  /** Items deleted whole, their retention over. */
  readonly expired: number;
}

/**
 * The sweeper: deletes what finished items leave behind in the object store. A COMPLETED item
 * keeps its original and result, a CANCELLED one its original, a FAILED one everything until its
 * retry window passes (retryMedia restarts from the intermediates), then its original only. With
 * a result retention set, finished items are deleted whole (objects and row) once it passes.
 * COMPLETED and CANCELLED items wait one sweep interval, so a write racing their end has landed.
 * Every gateway replica sweeps; rows are taken with SKIP LOCKED, so no item is swept twice at once.
 */
export function createSweeper(deps: {
  readonly repository: SweepRepository;
  readonly store: ObjectStore;
  readonly settings: RetentionSettings;
  readonly log: Logger;
}) {
  const { repository, store, settings, log } = deps;
  const due = {
    settleMs: settings.sweepIntervalMs,
    retryWindowMs: settings.retryWindowMs,
    retentionMs: settings.resultRetentionMs,
    batch: BATCH,
  };
  // Each item's deletion is logged; a failure is thrown on, so its item waits for the next sweep.
  const logged =
    (what: string, work: (media: MediaRecord) => Promise<number>) =>
    async (media: MediaRecord): Promise<void> => {
      try {
        const deleted = await work(media);
        log.info({ media_id: media.id, status: media.status, deleted }, what);
      } catch (err) {
        log.warn({ err, media_id: media.id }, `${what} failed; the next sweep tries again`);
        throw err;
      }
    };

  async function sweepOnce(): Promise<SweepReport> {
    let swept = 0;
    let expired = 0;
    for (let n = BATCH; n === BATCH; swept += n) {
      n = await repository.sweepLeftovers(
        due,
        logged('intermediates swept', (media) => deleteLeftovers(store, media)),
      );
    }
    for (let n = BATCH; n === BATCH; expired += n) {
      n = await repository.expire(
        due,
        logged('item deleted: retention over', (media) => deleteAllObjects(store, media)),
      );
    }
    return { swept, expired };
  }

  return {
    sweepOnce,
    /** Sweeps every `sweepIntervalMs` until stopped. */
    start(): { stop(): Promise<void> } {
      let running: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        running = sweepOnce().catch((err: unknown) => log.warn({ err }, 'sweep failed; the next one tries again'));
      }, settings.sweepIntervalMs);
      return {
        async stop() {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}
