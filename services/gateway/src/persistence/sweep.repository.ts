import type { Sql } from 'postgres';
import { MEDIA_COLUMNS, toMediaRecord, type MediaRecord } from './media.model.ts';

/** When finished items' leftovers and whole items are due for deletion. */
export interface SweepDue {
  /** COMPLETED and CANCELLED items: this long after they finished, so a straggling write has landed. */
  readonly settleMs: number;
  /** FAILED items keep their intermediates this long for retryMedia. */
  readonly retryWindowMs: number;
  /** Finished items are deleted whole this long after they finished; undefined: never. */
  readonly retentionMs: number | undefined;
  /** Items handled per transaction. */
  readonly batch: number;
}

/** The sweeper's view of the media table (media.swept_at). */
export interface SweepRepository {
  /**
   * Finished items whose intermediates are due and not swept yet, each passed to `clean` and then
   * marked swept, in one transaction that holds their rows (another gateway's sweep skips them).
   * A `clean` that throws leaves its item for the next sweep. Returns how many were swept.
   */
  sweepLeftovers(due: SweepDue, clean: (media: MediaRecord) => Promise<void>): Promise<number>;
  /** Finished items past retention: each passed to `remove` (its objects), then its row deleted. Returns how many. */
  expire(due: SweepDue, remove: (media: MediaRecord) => Promise<void>): Promise<number>;
}

export function createSweepRepository(sql: Sql): SweepRepository {
  const columns = sql.unsafe(MEDIA_COLUMNS);
  return {
    sweepLeftovers(due, clean) {
      return sql.begin(async (tx) => {
        const rows = await tx`
          SELECT ${columns} FROM media
          WHERE swept_at IS NULL AND (
            (status IN ('COMPLETED', 'CANCELLED') AND updated_at < clock_timestamp() - ${due.settleMs} * interval '1 millisecond')
            OR (status = 'FAILED' AND updated_at < clock_timestamp() - ${due.retryWindowMs} * interval '1 millisecond'))
          ORDER BY updated_at LIMIT ${due.batch}
          FOR UPDATE SKIP LOCKED`;
        let swept = 0;
        for (const row of rows) {
          const media = toMediaRecord(row);
          const cleaned = await clean(media).then(
            () => true,
            () => false,
          );
          if (!cleaned) continue;
          await tx`UPDATE media SET swept_at = clock_timestamp() WHERE id = ${media.id}`;
          swept++;
        }
        return swept;
      });
    },

    expire(due, remove) {
      const { retentionMs } = due;
      if (retentionMs === undefined) return Promise.resolve(0);
      return sql.begin(async (tx) => {
        const rows = await tx`
          SELECT ${columns} FROM media
          WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND updated_at < clock_timestamp() - ${retentionMs} * interval '1 millisecond'
          ORDER BY updated_at LIMIT ${due.batch}
          FOR UPDATE SKIP LOCKED`;
        let removed = 0;
        for (const row of rows) {
          const media = toMediaRecord(row);
          const gone = await remove(media).then(
            () => true,
            () => false,
          );
          if (!gone) continue;
          await tx`DELETE FROM media WHERE id = ${media.id}`;
          removed++;
        }
        return removed;
      });
    },
  };
}
