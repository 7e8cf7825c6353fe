import type { KV, NatsConnection } from 'nats';
import { Buckets } from '@revive/contracts';
import { publishWithRetry, withTransientRetry } from './publish-retry.ts';

/**
 * How long a record is kept. A lost ack is redelivered after ack_wait (seconds to minutes); a day
 * also covers a stage that was down meanwhile and catches up on its pending deliveries later.
 */
const RECORD_TTL_MS = 24 * 3600_000;

/**
 * The inputs one consumer handled to completion, so that a redelivery of one is acknowledged
 * instead of handled again. JetStream delivers at least once: an ack can be lost after the work
 * was done and its next events stored (the consumer's leader killed or frozen before the ack
 * reached its Raft group), and the redelivery would then redo the whole stage, writing every
 * object again. Records are keyed by consumer and stream sequence, which a redelivery keeps and
 * a `retryMedia` re-publish does not.
 */
export interface HandledDeliveries {
  /** Whether this consumer's delivery of stream message `seq` was handled to completion. */
  wasHandled(seq: number): Promise<boolean>;
  /** Records it, riding through a failover: written after the next events are stored, before the ack. */
  record(seq: number, mediaId: string): Promise<void>;
}

/**
 * The record bucket (Buckets.handled), created on first use with `replicas` copies (the media
 * stream's: a record must outlive a server, like the consumer state it backs up).
 */
export async function handledDeliveries(nc: NatsConnection, consumer: string, replicas = 1): Promise<HandledDeliveries> {
  const js = nc.jetstream();
  const kv: KV = await js.views.kv(Buckets.handled, { history: 1, replicas, ttl: RECORD_TTL_MS });
  const keyOf = (seq: number) => `${consumer}.${seq}`;
  return {
    async wasHandled(seq) {
      const entry = await withTransientRetry(() => kv.get(keyOf(seq)));
      return entry?.operation === 'PUT';
    },
    async record(seq, mediaId) {
      // A KV put is a publish to the bucket's subject; the retry keeps one msgID so it is stored once.
      await publishWithRetry(js, `$KV.${Buckets.handled}.${keyOf(seq)}`, JSON.stringify({ mediaId, at: new Date().toISOString() }), {
        msgID: `${consumer}:${seq}:handled`,
      });
    },
  };
}
