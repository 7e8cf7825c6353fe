import type { NatsConnection, Subscription } from 'nats';
import { GatewaySubjects, MediaProgressEvents, type MediaProgressEvent, type Stage } from '@revive/contracts';
import { extractTraceContext, injectTraceHeaders } from '@revive/messaging';
import type { MediaRecord } from './persistence/index.ts';
import { attachTraceContext } from './telemetry/update-trace.ts';

/** A change of one item, as every subscriber of that item receives it. */
export interface MediaUpdate {
  readonly media: MediaRecord;
  readonly event: MediaProgressEvent;
  readonly stage: Stage | null;
  readonly at: string;
}

type Listener = (update: MediaUpdate) => void;

/** The final event a subscriber is told of an item found settled, by its status. */
const FINAL_EVENTS: Readonly<Record<string, MediaProgressEvent>> = {
  COMPLETED: MediaProgressEvents.completed,
  FAILED: MediaProgressEvents.failed,
  CANCELLED: MediaProgressEvents.cancelled,
};

/**
 * Fans item changes out to subscribers on every gateway replica. The replica that projected a
 * change announces it on core NATS; each replica (this one included) hears it and forwards it
 * to its local subscribers, so a subscriber connected anywhere sees every change.
 */
export interface MediaHub {
  announce(update: MediaUpdate): void;
  /** Updates of one item until `return()` is called on the iterator. */
  watch(mediaId: string): AsyncIterableIterator<MediaUpdate>;
  close(): void;
}

/**
 * `reload` reads an item as it stands now. Announcements are core NATS: those made while this
 * replica was between servers (a cluster node lost, a reconnect) never reach it, so after each
 * reconnect every watched item is read again and one that settled meanwhile is delivered as its
 * final update; without it its subscribers would wait forever.
 */
export function createMediaHub(
  nc: NatsConnection,
  onError: (error: unknown) => void,
  reload?: (mediaId: string) => Promise<MediaRecord | undefined>,
): MediaHub {
  const listeners = new Map<string, Set<Listener>>();
  const catchUp = async () => {
    for (const mediaId of [...listeners.keys()]) {
      const media = await reload!(mediaId);
      const event = media && FINAL_EVENTS[media.status];
      if (!media || !event) continue;
      const update: MediaUpdate = { media, event, stage: null, at: new Date().toISOString() };
      for (const listener of listeners.get(mediaId) ?? []) listener(update);
    }
  };
  if (reload)
    void (async () => {
      for await (const status of nc.status()) if (status.type === 'reconnect') await catchUp().catch(onError);
    })();
  const sub: Subscription = nc.subscribe(GatewaySubjects.mediaUpdatedAll, {
    callback: (err, msg) => {
      if (err) return onError(err);
      try {
        const update = msg.json<MediaUpdate>();
        attachTraceContext(update, extractTraceContext(msg.headers));
        for (const listener of listeners.get(update.media.id) ?? []) listener(update);
      } catch (error) {
        onError(error);
      }
    },
  });

  return {
    announce(update) {
      // The announcing context (the event's projection) travels along, so deliveries join the item's trace.
      const headers = injectTraceHeaders();
      nc.publish(GatewaySubjects.mediaUpdated(update.media.id), JSON.stringify(update), headers.keys().length ? { headers } : undefined);
    },
    watch(mediaId) {
      const queue: MediaUpdate[] = [];
      let wake: (() => void) | undefined;
      let done = false;
      const listener: Listener = (u) => {
        queue.push(u);
        wake?.();
      };
      const set = listeners.get(mediaId) ?? new Set();
      set.add(listener);
      listeners.set(mediaId, set);
      const stop = () => {
        // return() may come twice (for await…of, then a finally): the second must not remove
        // the listener set a newer watcher of the same item has registered meanwhile.
        if (done) return;
        done = true;
        set.delete(listener);
        if (set.size === 0) listeners.delete(mediaId);
        wake?.();
      };
      const iterator: AsyncIterableIterator<MediaUpdate> = {
        async next() {
          while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r));
          wake = undefined;
          const value = queue.shift();
          return value ? { value, done: false } : { value: undefined, done: true };
        },
        async return() {
          stop();
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    close() {
      sub.unsubscribe();
      listeners.clear();
    },
  };
}
