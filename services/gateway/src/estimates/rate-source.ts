import type { Logger } from '@revive/logging';
import type { StageHistoryRepository } from '../persistence/index.ts';
import { ratesFromHistory, type StageRateTable } from './stage-rates.ts';

/** The stage rates every estimate in this gateway uses, read from PostgreSQL at most once per refresh. */
export interface StageRateSource {
  current(): Promise<StageRateTable>;
}

/** Completed items read per refresh: enough for every rate key's samples on a busy server. */
const HISTORY_ITEMS = 500;
/** How stale the rates may be: an item finishing now moves the next estimates within half a minute. */
const REFRESH_MS = 30_000;

/**
 * Rates change as items finish, but a list of 50 items must not ask PostgreSQL 50 times: one
 * read per refresh, shared by every request meanwhile. A failed read keeps the last table (empty
 * at first: the estimates then use their priors) and is retried at the next refresh.
 */
export function createStageRateSource(history: StageHistoryRepository, options: { log: Logger; ttlMs?: number }): StageRateSource {
  let table: StageRateTable = new Map();
  let refreshing: Promise<StageRateTable> | undefined;
  let readAt = -Infinity;
  return {
    current() {
      if (performance.now() - readAt < (options.ttlMs ?? REFRESH_MS)) return Promise.resolve(table);
      refreshing ??= history
        .recentCompleted(HISTORY_ITEMS)
        .then((items) => (table = ratesFromHistory(items)))
        .catch((err: unknown) => {
          options.log.warn({ err }, 'could not read the stage history; estimates use the last rates known');
          return table;
        })
        .finally(() => {
          readAt = performance.now();
          refreshing = undefined;
        });
      return refreshing;
    },
  };
}
