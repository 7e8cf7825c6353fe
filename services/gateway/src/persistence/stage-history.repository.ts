import { enhanceOptionsSchema } from '@revive/contracts';
import type { Sql } from 'postgres';
import type { MediaRecord } from './media.model.ts';

/** What an item's stage history needs: its kind, size, options and the stages' recorded durations. */
export type StageHistoryItem = Pick<MediaRecord, 'kind' | 'options' | 'stages' | 'width' | 'height'>;

/** This server's record of how long finished items took, stage by stage. */
export interface StageHistoryRepository {
  /** The most recently completed items whose size preprocess recorded, newest first. */
  recentCompleted(limit: number): Promise<StageHistoryItem[]>;
}

export function createStageHistoryRepository(sql: Sql): StageHistoryRepository {
  return {
    async recentCompleted(limit) {
      const rows = await sql`
        SELECT kind, options, stages, width, height FROM media
        WHERE status = 'COMPLETED' AND width IS NOT NULL AND height IS NOT NULL
        ORDER BY updated_at DESC
        LIMIT ${limit}`;
      // Options parsed as toMediaRecord does: a row from before an option existed reads back with its default.
      return rows.map((row) => ({
        kind: row.kind,
        options: enhanceOptionsSchema.parse(row.options),
        stages: row.stages,
        width: row.width,
        height: row.height,
      }));
    },
  };
}
