import type { Sql } from 'postgres';

/** A webhook delivery still to make: the signed body is fixed when the outcome is projected. */
export interface PendingWebhook {
  readonly id: string;
  readonly mediaId: string;
  readonly url: string;
  readonly body: string;
  /** The attempt this claim makes (1 on the first). */
  readonly attempt: number;
}

/** One attempt as recorded in webhook_deliveries. */
export interface WebhookAttempt {
  readonly status: 'DELIVERED' | 'FAILED' | 'GAVE_UP';
  readonly httpStatus: number | null;
  readonly error: string | null;
}

/** Pending webhook deliveries in PostgreSQL, shared by every gateway replica. */
export interface WebhookOutbox {
  /** Queues a delivery, due now; the same body for the same item while one is pending is queued once. */
  enqueue(delivery: { mediaId: string; url: string; body: string }): Promise<void>;
  /** Up to `limit` due deliveries, each leased to the caller for `leaseMs` (no other replica claims it meanwhile). */
  claimDue(limit: number, leaseMs: number): Promise<PendingWebhook[]>;
  /** Records the attempt; the delivery is done when `retryInMs` is null, else due again after it. */
  settle(pending: PendingWebhook, attempt: WebhookAttempt, retryInMs: number | null): Promise<void>;
}

export function createWebhookOutbox(sql: Sql): WebhookOutbox {
  return {
    async enqueue(d) {
      await sql`INSERT INTO webhook_outbox (media_id, url, body) VALUES (${d.mediaId}, ${d.url}, ${d.body}) ON CONFLICT DO NOTHING`;
    },

    async claimDue(limit, leaseMs) {
      const rows = await sql`
        UPDATE webhook_outbox SET due_at = now() + make_interval(secs => ${leaseMs / 1000})
        WHERE id IN (SELECT id FROM webhook_outbox WHERE due_at <= now() ORDER BY due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING id, media_id, url, body, attempt`;
      return rows.map((r) => ({
        id: String(r.id),
        mediaId: r.media_id as string,
        url: r.url as string,
        body: r.body as string,
        attempt: r.attempt as number,
      }));
    },

    async settle(pending, attempt, retryInMs) {
      await sql.begin(async (tx) => {
        // The item may have been deleted meanwhile (its outbox row with it): nothing to record then.
        const [held] = await tx`SELECT 1 FROM webhook_outbox WHERE id = ${pending.id} AND attempt = ${pending.attempt} FOR UPDATE`;
        if (!held) return;
        await tx`
          INSERT INTO webhook_deliveries (media_id, status, attempt, http_status, error)
          VALUES (${pending.mediaId}, ${attempt.status}, ${pending.attempt}, ${attempt.httpStatus}, ${attempt.error})`;
        if (retryInMs === null) await tx`DELETE FROM webhook_outbox WHERE id = ${pending.id}`;
        else
          await tx`
            UPDATE webhook_outbox SET attempt = attempt + 1, due_at = now() + make_interval(secs => ${retryInMs / 1000})
            WHERE id = ${pending.id}`;
      });
    },
  };
}
