import type { EnhanceOptions, MediaKind } from '@revive/contracts';
import type { Sql } from 'postgres';
import { MEDIA_COLUMNS, toMediaRecord, type MediaRecord, type MediaStatus } from './media.model.ts';
import { checkPageSize, decodeCursor, encodeCursor, isUuid } from './pagination.ts';
import { initialStages } from './stages.ts';

/** What the upload mutation knows about a new item once its original is stored. */
export interface NewMedia {
  id: string;
  kind: MediaKind;
  filename: string;
  contentType: string;
  bytes: number;
  options: EnhanceOptions;
  originalKey: string;
  traceId?: string;
}

/** An item on a page, with the cursor a connection edge needs. */
export type MediaListItem = MediaRecord & { cursor: string };

/** Which items a page holds: any of these statuses, of this kind; all when absent. */
export interface MediaListFilter {
  status?: readonly MediaStatus[] | null;
  kind?: MediaKind | null;
}

/** One page of items, newest first. */
export interface MediaPage {
  items: MediaListItem[];
  hasNextPage: boolean;
  /** The cursor of the last item; null on an empty page. */
  endCursor: string | null;
}

export interface MediaRepository {
  /** Inserts a QUEUED item with every stage PENDING. */
  create(media: NewMedia): Promise<MediaRecord>;
  /** The item, or undefined when there is none (including ids that are not UUIDs). */
  get(id: string): Promise<MediaRecord | undefined>;
  /** Keyset pagination: `after` is a cursor from a previous page; throws InvalidCursorError / InvalidPageSizeError. */
  list(page: { first: number; after?: string | null; filter?: MediaListFilter }): Promise<MediaPage>;
  /** Deletes the item and its projection history (an upload rolled back); false when there was none. */
  remove(id: string): Promise<boolean>;
  /**
   * The same repository seen by one user: `get`, `list` and `remove` find only that user's items
   * (another's item reads exactly like a missing one), and `create` records the user as owner.
   * Items from before accounts (no owner) belong to nobody.
   */
  ownedBy(ownerId: string): MediaRepository;
}

/** The cursor of one item, for a connection's edges. */
export function cursorOf(media: Pick<MediaRecord, 'createdAt' | 'id'>): string {
  return encodeCursor({ createdAt: media.createdAt, id: media.id });
}

/** Without `ownerId` the repository is the process-wide one (projection, operators, tests); resolvers get `ownedBy(user)`. */
export function createMediaRepository(sql: Sql, scope: { ownerId?: string } = {}): MediaRepository {
  const columns = sql.unsafe(MEDIA_COLUMNS);
  const { ownerId } = scope;
  // A fresh fragment per query: a postgres.js fragment is a (lazy) query object, not a string.
  const owned = () => (ownerId === undefined ? sql`` : sql`AND owner_id = ${ownerId}`);
  return {
    async create(media) {
      const [row] = await sql`
        INSERT INTO media (id, kind, filename, content_type, bytes, status, options, stages, original_key, trace_id, owner_id)
        VALUES (${media.id}, ${media.kind}, ${media.filename}, ${media.contentType}, ${media.bytes}, 'QUEUED',
                ${sql.json(media.options)}, ${sql.json(initialStages(media.kind))},
                ${media.originalKey}, ${media.traceId ?? null}, ${ownerId ?? null})
        RETURNING ${columns}`;
      return toMediaRecord(row!);
    },

    async get(id) {
      // A malformed id cannot name an item; asking PostgreSQL would only raise a cast error.
      if (!isUuid(id)) return undefined;
      const [row] = await sql`SELECT ${columns} FROM media WHERE id = ${id} ${owned()}`;
      return row ? toMediaRecord(row) : undefined;
    },

    async list({ first, after, filter }) {
      const size = checkPageSize(first);
      const from = after ? decodeCursor(after) : undefined;
      // One extra row says whether another page follows without a count(*).
      const rows = await sql`
        SELECT ${columns} FROM media
        WHERE true ${owned()}
        ${filter?.status?.length ? sql`AND status IN ${sql(filter.status)}` : sql``}
        ${filter?.kind ? sql`AND kind = ${filter.kind}` : sql``}
        ${from ? sql`AND (created_at, id) < (${from.createdAt}::timestamptz, ${from.id}::uuid)` : sql``}
        ORDER BY created_at DESC, id DESC
        LIMIT ${size + 1}`;
      const items = rows.slice(0, size).map((row) => {
        const media = toMediaRecord(row);
        return { ...media, cursor: cursorOf(media) };
      });
      return { items, hasNextPage: rows.length > size, endCursor: items.at(-1)?.cursor ?? null };
    },

    async remove(id) {
      if (!isUuid(id)) return false;
      const { count } = await sql`DELETE FROM media WHERE id = ${id} ${owned()}`;
      return count > 0;
    },

    ownedBy(owner) {
      return createMediaRepository(sql, { ownerId: owner });
    },
  };
}
