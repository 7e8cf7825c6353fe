import type { Sql, TransactionSql } from 'postgres';
import { MEDIA_COLUMNS, toMediaRecord, type MediaRecord } from './media.model.ts';
import { isUuid } from './pagination.ts';

/** Which items a user has in the pipeline, and which wait for a slot (media.released_at). */
export interface AdmissionRepository {
  /**
   * Releases the owner's oldest waiting items while the owner has fewer than `limit` in flight
   * (QUEUED or PROCESSING, released). `handOver` runs for each inside the transaction, under a
   * lock on the owner: two gateways never fill one slot twice, and an item counts as released
   * only once its handover succeeded (a failure leaves it waiting and is thrown; an item handed
   * over before it in the same call is handed over again later, which the handover's msgID makes
   * harmless). Returns the items released.
   */
  release(ownerId: string | null, limit: number, handOver: (media: MediaRecord) => Promise<void>): Promise<MediaRecord[]>;
  /** Owners with items waiting for a slot (null: items from before accounts). */
  waitingOwners(): Promise<Array<string | null>>;
  /** The item's owner; undefined when there is no such item. */
  ownerOf(mediaId: string): Promise<string | null | undefined>;
}

/**
 * Serialises whatever changes how many items an owner has in flight (a release, a retry) for the
 * rest of the transaction, across gateways: `pg_advisory_xact_lock` of this key.
 */
export async function lockOwnerSlots(tx: TransactionSql, ownerId: string | null): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtext(${`revive-admission:${ownerId ?? ''}`}))`;
}

/** How many of the owner's items are in the pipeline: released, and QUEUED or PROCESSING. */
export async function inFlightOf(tx: TransactionSql, ownerId: string | null): Promise<number> {
  const owned = ownerId === null ? tx`owner_id IS NULL` : tx`owner_id = ${ownerId}`;
  const [{ n }] = (await tx`
    SELECT count(*)::int AS n FROM media
    WHERE ${owned} AND released_at IS NOT NULL AND status IN ('QUEUED', 'PROCESSING')`) as unknown as [{ n: number }];
  return n;
}

export function createAdmissionRepository(sql: Sql): AdmissionRepository {
  const columns = sql.unsafe(MEDIA_COLUMNS);
  return {
    release(ownerId, limit, handOver) {
      return sql.begin(async (tx) => {
        const owned = ownerId === null ? tx`owner_id IS NULL` : tx`owner_id = ${ownerId}`;
        await lockOwnerSlots(tx, ownerId);
        const n = await inFlightOf(tx, ownerId);
        if (n >= limit) return [];
        const waiting = await tx`
          SELECT ${columns} FROM media
          WHERE ${owned} AND released_at IS NULL AND status = 'QUEUED'
          ORDER BY created_at, id LIMIT ${limit - n}
          FOR UPDATE`;
        const released: MediaRecord[] = [];
        for (const row of waiting) {
          const media = toMediaRecord(row);
          await handOver(media);
          await tx`UPDATE media SET released_at = clock_timestamp() WHERE id = ${media.id}`;
          released.push(media);
        }
        return released;
      });
    },

    async waitingOwners() {
      const rows = await sql`SELECT DISTINCT owner_id FROM media WHERE released_at IS NULL AND status = 'QUEUED'`;
      return rows.map((r) => (r.owner_id as string | null) ?? null);
    },

    async ownerOf(mediaId) {
      if (!isUuid(mediaId)) return undefined;
      const [row] = await sql`SELECT owner_id FROM media WHERE id = ${mediaId}`;
      return row ? ((row.owner_id as string | null) ?? null) : undefined;
    },
  };
}
