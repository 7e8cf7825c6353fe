import { stagesOf, type Stage } from '@revive/contracts';
import type { Sql } from 'postgres';
import { inFlightOf, lockOwnerSlots } from './admission.repository.ts';
import { MEDIA_COLUMNS, toMediaRecord, UPDATED_AT_NOW, type MediaRecord, type StageState } from './media.model.ts';
import { isUuid } from './pagination.ts';
import { cancelStage, updateStage } from './stages.ts';

/** A state change the item's current status does not allow (the caller reports it as a typed error). */
export type Transition<T> = ({ ok: true; media: MediaRecord } & T) | { ok: false; media: MediaRecord | undefined };

/** A stream message projected for an item: its stream sequence and subject. */
export interface ProjectedEventRef {
  seq: number;
  subject: string;
}

/** retryMedia and cancelMedia's state changes, and the bookkeeping webhooks need (their pending deliveries: webhook-outbox.repository.ts). */
export interface LifecycleRepository {
  /**
   * FAILED → PROCESSING: the failed stage back to PENDING (a video stage keeps its finished chunks), retries + 1.
   * Refused with `swept` once the sweeper deleted the item's intermediates (the retry window passed),
   * and with `inFlight` while its owner already has `maxInFlight` items in the pipeline: a retry
   * counts against the per-user limit like an upload (admission.ts), under the same lock.
   */
  beginRetry(
    id: string,
    maxInFlight: number,
  ): Promise<
    | Transition<{ stage: Stage; retry: number }>
    | { ok: false; media: MediaRecord; swept: true }
    | { ok: false; media: MediaRecord; inFlight: number }
  >;
  /** Undoes beginRetry when its events could not be published: the item is FAILED as before (retries stays counted, so msgIDs never repeat). */
  abandonRetry(before: MediaRecord): Promise<void>;
  /** QUEUED or PROCESSING → CANCELLED; a RUNNING stage with it. */
  cancel(id: string): Promise<Transition<object>>;
  /** Deletes the item's row; its projected events, failures and webhook deliveries go with it (ON DELETE CASCADE). False when it was gone. */
  remove(id: string): Promise<boolean>;
  /** The stream messages projected for the item, in stream order (optionally of one subject). */
  projectedEvents(id: string, subject?: string): Promise<ProjectedEventRef[]>;
  setCallbackUrl(id: string, url: string): Promise<void>;
  callbackUrlOf(id: string): Promise<string | null>;
  deliveriesOf(id: string): Promise<Array<{ status: string; attempt: number; httpStatus: number | null; error: string | null }>>;
}

/** The stage as if it had not run yet; chunks already finished stay counted (their outputs are not re-announced). */
function reset(state: StageState): StageState {
  const { etaSeconds: _, ...rest } = state;
  return { ...rest, status: 'PENDING', progress: 0, startedAt: null, finishedAt: null, durationMs: null };
}

export function createLifecycleRepository(sql: Sql): LifecycleRepository {
  const columns = sql.unsafe(MEDIA_COLUMNS);
  return {
    beginRetry(id, maxInFlight) {
      return sql.begin(async (tx) => {
        if (!isUuid(id)) return { ok: false as const, media: undefined };
        const [owner] = await tx`SELECT owner_id FROM media WHERE id = ${id}`;
        if (!owner) return { ok: false as const, media: undefined };
        const ownerId = (owner.owner_id as string | null) ?? null;
        // The owner's slots first, then the row: the order admission's release takes them in.
        await lockOwnerSlots(tx, ownerId);
        const [row] = await tx`SELECT ${columns}, retries, swept_at FROM media WHERE id = ${id} FOR UPDATE`;
        if (!row) return { ok: false as const, media: undefined };
        const media = toMediaRecord(row);
        if (media.status !== 'FAILED') return { ok: false as const, media };
        if (row.swept_at !== null) return { ok: false as const, media, swept: true as const };
        const inFlight = await inFlightOf(tx, ownerId);
        if (inFlight >= maxInFlight) return { ok: false as const, media, inFlight };
        const stage = media.error?.stage ?? stagesOf(media.kind)[0]!;
        const stages = updateStage(media.stages, stage, reset);
        const [saved] = await tx`
          UPDATE media SET status = 'PROCESSING', error = NULL, stages = ${tx.json(stages)}, retries = retries + 1, updated_at = ${tx.unsafe(UPDATED_AT_NOW)}
          WHERE id = ${id} RETURNING ${columns}, retries`;
        return { ok: true as const, media: toMediaRecord(saved!), stage, retry: saved!.retries as number };
      });
    },

    async abandonRetry(before) {
      await sql`
        UPDATE media SET status = 'FAILED', error = ${before.error === null ? null : sql.json(before.error)}, stages = ${sql.json(before.stages)}, updated_at = ${sql.unsafe(UPDATED_AT_NOW)}
        WHERE id = ${before.id} AND status = 'PROCESSING'`;
    },

    cancel(id) {
      return sql.begin(async (tx) => {
        if (!isUuid(id)) return { ok: false as const, media: undefined };
        const [row] = await tx`SELECT ${columns} FROM media WHERE id = ${id} FOR UPDATE`;
        if (!row) return { ok: false as const, media: undefined };
        const media = toMediaRecord(row);
        if (media.status !== 'QUEUED' && media.status !== 'PROCESSING') return { ok: false as const, media };
        const at = new Date().toISOString();
        const stages = media.stages.map((s) => cancelStage(s, at));
        const [saved] = await tx`
          UPDATE media SET status = 'CANCELLED', stages = ${tx.json(stages)}, updated_at = ${tx.unsafe(UPDATED_AT_NOW)}
          WHERE id = ${id} RETURNING ${columns}`;
        return { ok: true as const, media: toMediaRecord(saved!) };
      });
    },

    async remove(id) {
      if (!isUuid(id)) return false;
      const { count } = await sql`DELETE FROM media WHERE id = ${id}`;
      return count > 0;
    },

    async projectedEvents(id, subject) {
      const rows = await sql`
        SELECT event_id, subject FROM projected_events
        WHERE media_id = ${id} ${subject ? sql`AND subject = ${subject}` : sql``} AND event_id ~ '^[0-9]+$'`;
      return rows.map((r) => ({ seq: Number(r.event_id), subject: r.subject as string })).sort((a, b) => a.seq - b.seq);
    },

    async setCallbackUrl(id, url) {
      await sql`UPDATE media SET callback_url = ${url} WHERE id = ${id}`;
    },

    async callbackUrlOf(id) {
      const [row] = await sql`SELECT callback_url FROM media WHERE id = ${id}`;
      return (row?.callback_url as string | null | undefined) ?? null;
    },

    async deliveriesOf(id) {
      const rows = await sql`SELECT status, attempt, http_status, error FROM webhook_deliveries WHERE media_id = ${id} ORDER BY id`;
      return rows.map((r) => ({
        status: r.status as string,
        attempt: r.attempt as number,
        httpStatus: (r.http_status as number | null) ?? null,
        error: (r.error as string | null) ?? null,
      }));
    },
  };
}
