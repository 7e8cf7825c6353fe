import type { EventOf, Stage, Subjects } from '@revive/contracts';
import type { Sql, TransactionSql } from 'postgres';
import type { MediaFailure } from './media.model.ts';
import { checkPageSize, InvalidCursorError, isUuid } from './pagination.ts';

/** One failure of one item, as operators list them. */
export type FailureRecord = MediaFailure & { mediaId: string; cursor: string };

/** How many failures share a stage and a code. */
export interface FailureCount {
  stage: Stage | null;
  code: string;
  count: number;
}

export interface FailurePage {
  items: FailureRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
  /** Every failure matching the filter, not only this page. */
  totalCount: number;
  /** Counts by stage and code (within the filter), largest first. */
  byStageAndCode: FailureCount[];
}

/**
 * The one way to list every owner's failures (operators and tests, never the API). A symbol, not
 * null or '': a missing user id must narrow the list to nothing, never widen it to everyone's.
 */
export const EVERY_OWNER: unique symbol = Symbol('every owner');

export interface FailureFilter {
  /** Only failures of this user's items, or EVERY_OWNER's; an id that is not a user's (empty, null) matches nothing. Required so no caller forgets it. */
  ownerId: string | typeof EVERY_OWNER;
  stage?: Stage | null;
  code?: string | null;
  first: number;
  after?: string | null;
}

/** The failure history: every `failed` event projected, kept across retries. */
export interface FailureRepository {
  /** The item's failures, oldest first. */
  ofMedia(mediaId: string): Promise<MediaFailure[]>;
  /** Failures across items, newest first; throws InvalidCursorError / InvalidPageSizeError. */
  list(filter: FailureFilter): Promise<FailurePage>;
}

/** Appends one failure, inside the projection's transaction (so it is recorded exactly when the event is folded). */
export async function recordFailure(tx: TransactionSql, p: EventOf<typeof Subjects.mediaFailed>): Promise<void> {
  await tx`
    INSERT INTO media_failures (media_id, stage, code, message, attempt, at, retry)
    SELECT id, ${p.stage}, ${p.code}, ${p.message}, ${p.attempt}, ${p.at}, retries FROM media WHERE id = ${p.mediaId}`;
}

// The cursor is the row id, opaque to clients.
const encode = (id: string | number) => Buffer.from(`f:${id}`).toString('base64url');
function decode(cursor: string): string {
  const match = /^f:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidCursorError();
  return match[1]!;
}

export function createFailureRepository(sql: Sql): FailureRepository {
  const toFailure = (row: Record<string, unknown>): MediaFailure => ({
    code: row.code as string,
    message: row.message as string,
    stage: row.stage as Stage,
    attempt: row.attempt as number,
    at: new Date(row.at as string).toISOString(),
  });
  return {
    async ofMedia(mediaId) {
      const rows = await sql`SELECT stage, code, message, attempt, at FROM media_failures WHERE media_id = ${mediaId} ORDER BY id`;
      return rows.map(toFailure);
    },

    async list({ ownerId, stage, code, first, after }) {
      const size = checkPageSize(first);
      const from = after ? decode(after) : undefined;
      const owned =
        ownerId === EVERY_OWNER
          ? sql``
          : // Not a user id (empty, null from a caller that lost its principal): nobody's items, not everybody's.
            typeof ownerId === 'string' && isUuid(ownerId)
            ? sql`AND media_id IN (SELECT id FROM media WHERE owner_id = ${ownerId})`
            : sql`AND false`;
      const where = sql`WHERE true ${owned} ${stage ? sql`AND stage = ${stage}` : sql``} ${code ? sql`AND code = ${code}` : sql``}`;
      const [rows, counts] = await Promise.all([
        sql`SELECT id, media_id AS "mediaId", stage, code, message, attempt, at FROM media_failures ${where}
            ${from ? sql`AND id < ${from}::bigint` : sql``} ORDER BY id DESC LIMIT ${size + 1}`,
        sql`SELECT stage, code, count(*)::int AS count FROM media_failures ${where} GROUP BY stage, code ORDER BY count DESC, stage, code`,
      ]);
      const items = rows
        .slice(0, size)
        .map((row) => ({ ...toFailure(row), mediaId: row.mediaId as string, cursor: encode(row.id as string) }));
      const byStageAndCode = counts.map((c) => ({ stage: c.stage as Stage, code: c.code as string, count: c.count as number }));
      return {
        items,
        hasNextPage: rows.length > size,
        endCursor: items.at(-1)?.cursor ?? null,
        totalCount: byStageAndCode.reduce((n, c) => n + c.count, 0),
        byStageAndCode,
      };
    },
  };
}
