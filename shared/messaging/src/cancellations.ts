import { KvWatchInclude, type KV, type NatsConnection } from 'nats';
import { Buckets } from '@revive/contracts';

/** What cancelMedia stopped: the reason a running handler's signal is aborted with. */
export class ItemCancelledError extends Error {
  override readonly name = 'ItemCancelledError';
  readonly retryable = false;
  readonly code = 'CANCELLED';
  constructor(readonly mediaId: string) {
    super(`media ${mediaId} was cancelled`);
  }
}

/** The longest wait between two attempts to re-open a watch that keeps failing. */
const MAX_REWATCH_DELAY_MS = 15_000;

/** One piece of work on an item, stopped when the item is cancelled. */
export interface TrackedItem {
  readonly signal: AbortSignal;
  /** Looks the item up again and aborts the signal if it was cancelled (a backstop for a missed watch update). */
  recheck(): Promise<void>;
  release(): void;
}

/** The cancelled-items bucket as a stage replica sees it. */
export interface Cancellations {
  /** Whether the item was cancelled (a key in the bucket). */
  isCancelled(mediaId: string): Promise<boolean>;
  /**
   * A signal aborted (with ItemCancelledError) as soon as the item is cancelled, from now on or
   * already; `release` when the work it guards ends.
   */
  track(mediaId: string): TrackedItem;
  stop(): void;
}

/**
 * The cancelled-items bucket, created on first use with `replicas` copies (3 on a JetStream
 * cluster, like the media stream: a cancel must survive the loss of a server); an existing
 * bucket is used as it is.
 */
export function cancelledBucket(nc: NatsConnection, replicas = 1): Promise<KV> {
  return nc.jetstream().views.kv(Buckets.cancelled, { history: 1, replicas });
}

/**
 * Watches the cancelled-items bucket (Buckets.cancelled) so that work in progress stops when its
 * item is cancelled: every replica of every stage watches the same bucket, and a put reaches all
 * of them within a round trip. A watch that ends (reconnect, server restart) is opened again, and
 * the items running meanwhile are looked up; callers `track` an item before they ask
 * `isCancelled`, so a put between the two is not missed.
 */
export async function watchCancellations(
  nc: NatsConnection,
  onError: (error: unknown) => void = () => {},
  replicas = 1,
): Promise<Cancellations> {
  const kv = await cancelledBucket(nc, replicas);
  const running = new Map<string, Set<AbortController>>();
  let stopping = false;
  let current: { stop(): void } | undefined;

  const abort = (mediaId: string) => {
    for (const controller of running.get(mediaId) ?? []) controller.abort(new ItemCancelledError(mediaId));
  };
  const isCancelled = async (mediaId: string) => (await kv.get(mediaId).catch(() => null))?.operation === 'PUT';

  void (async () => {
    let failures = 0;
    while (!stopping) {
      try {
        const updates = await kv.watch({ include: KvWatchInclude.UpdatesOnly, ignoreDeletes: true });
        current = updates;
        if (stopping) updates.stop();
        for await (const entry of updates) {
          failures = 0;
          if (entry.operation === 'PUT') abort(entry.key);
        }
      } catch (error) {
        if (!stopping) onError(error);
      }
      if (stopping) break;
      // The watch ended without a stop: running items may have been cancelled meanwhile.
      for (const mediaId of running.keys()) if (await isCancelled(mediaId)) abort(mediaId);
      await new Promise((r) => setTimeout(r, Math.min(MAX_REWATCH_DELAY_MS, 250 * 2 ** failures++)).unref());
    }
  })();

  return {
    isCancelled,
    track(mediaId) {
      const controller = new AbortController();
      const set = running.get(mediaId) ?? new Set();
      set.add(controller);
      running.set(mediaId, set);
      return {
        signal: controller.signal,
        async recheck() {
          if (!controller.signal.aborted && (await isCancelled(mediaId))) controller.abort(new ItemCancelledError(mediaId));
        },
        release() {
          set.delete(controller);
          if (set.size === 0 && running.get(mediaId) === set) running.delete(mediaId);
        },
      };
    },
    stop() {
      stopping = true;
      current?.stop();
    },
  };
}
