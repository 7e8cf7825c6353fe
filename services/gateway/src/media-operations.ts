import type { NatsConnection } from 'nats';
import {
  Buckets,
  FLOW,
  isSubject,
  MediaProgressEvents,
  messageId,
  parseEvent,
  retryMessageId,
  Streams,
  type PipelineEvent,
} from '@revive/contracts';
import type { Logger } from '@revive/logging';
import { isTransientNatsError, publishEvent, withTransientRetry } from '@revive/messaging';
import type { ObjectStore } from '@revive/object-store';
import type { Admission } from './admission.ts';
import { deleteAllObjects, deleteLeftovers } from './leftovers.ts';
import type { MediaHub } from './media-hub.ts';
import type { FailureRepository, LifecycleRepository, MediaRecord } from './persistence/index.ts';

/** Why retryMedia or cancelMedia refused; the resolvers map it to a typed GraphQL error. */
export class MediaOperationError extends Error {
  override readonly name = 'MediaOperationError';
  readonly retryable = false;
  constructor(
    readonly reason: 'NOT_FOUND' | 'INVALID_STATE' | 'UNAVAILABLE' | 'TOO_MANY_IN_FLIGHT',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** retryMedia, cancelMedia and the failure history, behind the resolvers. */
export interface MediaOperations {
  readonly failures: FailureRepository;
  /** Re-publishes the failed stage's input events under new msgIDs; the item is PROCESSING again. */
  retry(record: MediaRecord): Promise<MediaRecord>;
  /**
   * Marks the item CANCELLED (a running stage with it), tells every stage replica to stop it
   * (the running ones abort within a tile or a frame and publish nothing), deletes its
   * intermediates, and lets the owner's next waiting item in.
   */
  cancel(record: MediaRecord): Promise<MediaRecord>;
  /**
   * Deletes the item whole: cancelled first if it is still QUEUED or PROCESSING, then every
   * object under its folder (original, intermediates, result, previews), then its row with its
   * history. The row goes last, so a delete that fails half-way can simply be asked again.
   * Returns false when the item was already gone.
   */
  remove(record: MediaRecord): Promise<boolean>;
  /** Stores where the item's outcome is POSTed (validated by the caller). */
  setCallbackUrl(id: string, url: string): Promise<void>;
}

interface Deps {
  readonly nc: NatsConnection;
  readonly store: ObjectStore;
  readonly lifecycle: LifecycleRepository;
  readonly failures: FailureRepository;
  readonly hub: MediaHub;
  readonly admission: Admission;
  readonly log: Logger;
}

/** A stored stream message, validated against its subject's schema, with the msgID it was published under. */
interface StoredEvent {
  event: PipelineEvent;
  msgID: string | undefined;
}

/** retryMedia once the sweeper deleted what the failed stage would read again. */
function sweptError(): MediaOperationError {
  return new MediaOperationError(
    'UNAVAILABLE',
    "the item's intermediates were deleted when its retry window (REVIVE_RETRY_WINDOW_HOURS) passed; upload the original again",
  );
}

export function createMediaOperations(deps: Deps): MediaOperations {
  const { nc, store, lifecycle, log } = deps;

  /**
   * The stored events of an item, read back from the stream. A server restarting, or a cluster
   * electing a stream leader, answers with timeouts and 503s for a few seconds: those are waited
   * out, and if they last, the caller hears that the pipeline is unreachable, not that the events
   * are gone.
   */
  async function loadEvents(id: string, subject?: string): Promise<StoredEvent[]> {
    try {
      const jsm = await withTransientRetry(() => nc.jetstreamManager());
      const events: StoredEvent[] = [];
      for (const ref of await lifecycle.projectedEvents(id, subject)) {
        if (!isSubject(ref.subject)) continue;
        const stored = await withTransientRetry(() => jsm.streams.getMessage(Streams.media, { seq: ref.seq })).catch((error: unknown) => {
          if (isTransientNatsError(error)) throw error;
          return undefined;
        });
        // A recreated stream reuses sequences: only a message on the same subject for this item counts.
        if (!stored || stored.subject !== ref.subject) continue;
        const payload = parseEvent(ref.subject, stored.json());
        if (payload.mediaId !== id) continue;
        events.push({ event: { subject: ref.subject, payload } as PipelineEvent, msgID: stored.header?.get('Nats-Msg-Id') || undefined });
      }
      return events;
    } catch (error) {
      if (!isTransientNatsError(error)) throw error;
      throw new MediaOperationError('UNAVAILABLE', 'the pipeline is not reachable right now; please retry later', { cause: error });
    }
  }

  const operations: MediaOperations = {
    failures: deps.failures,
    setCallbackUrl: (id, url) => lifecycle.setCallbackUrl(id, url),

    async retry(record) {
      if (record.status !== 'FAILED')
        throw new MediaOperationError('INVALID_STATE', `only FAILED items can be retried; this one is ${record.status}`);
      const stage = record.error?.stage ?? FLOW[record.kind][0]!.stage;
      const hop = FLOW[record.kind].find((h) => h.stage === stage)!;
      // What the failed stage consumed: the previous stage's output (every chunk of it) or the upload.
      const inputs = await loadEvents(record.id, hop.consumes);
      if (inputs.length === 0)
        throw new MediaOperationError(
          'UNAVAILABLE',
          `the input of the ${stage} stage is no longer in the event stream; upload the original again`,
        );
      const started = await lifecycle.beginRetry(record.id, deps.admission.maxInFlightPerUser);
      if (!started.ok && 'swept' in started) throw sweptError();
      if (!started.ok && 'inFlight' in started)
        throw new MediaOperationError(
          'TOO_MANY_IN_FLIGHT',
          `${started.inFlight} of your items are being restored, the most this server runs at once for one person; retry this one when one of them finishes`,
        );
      if (!started.ok)
        throw new MediaOperationError('INVALID_STATE', `only FAILED items can be retried; this one is ${started.media?.status ?? 'gone'}`);
      const js = nc.jetstream();
      try {
        for (const { event, msgID } of inputs) {
          const chunk = 'chunk' in event.payload ? event.payload.chunk.index : undefined;
          const original =
            msgID ?? messageId(record.id, FLOW[record.kind].find((h) => h.emits === event.subject)?.stage ?? 'upload', chunk);
          await publishEvent(js, event.subject, event.payload as never, retryMessageId(original, started.retry));
        }
      } catch (error) {
        // Not left PROCESSING with nothing in flight: FAILED again, retryable later.
        await lifecycle.abandonRetry(record).catch((e: unknown) => log.error({ err: e, media_id: record.id }, 'could not undo a retry'));
        throw new MediaOperationError('UNAVAILABLE', 'the pipeline is not reachable right now; the item stays FAILED, please retry later', {
          cause: error,
        });
      }
      log.info({ media_id: record.id, stage, retry: started.retry, events: inputs.length }, 'media retried');
      deps.hub.announce({ media: started.media, event: MediaProgressEvents.retried, stage, at: new Date().toISOString() });
      return started.media;
    },

    async cancel(record) {
      const cancelled = await lifecycle.cancel(record.id);
      if (!cancelled.ok)
        throw new MediaOperationError(
          'INVALID_STATE',
          `only QUEUED or PROCESSING items can be cancelled; this one is ${cancelled.media?.status ?? 'gone'}`,
        );
      // Every stage replica watches this bucket: work on the item stops, and none starts.
      const kv = await nc.jetstream().views.kv(Buckets.cancelled, { history: 1 });
      await kv.put(record.id, new Date().toISOString());
      // Whatever a stage wrote so far; the original stays. A write racing this one goes at the next sweep.
      const deleted = await deleteLeftovers(store, cancelled.media).catch((err: unknown) => {
        log.warn({ err, media_id: record.id }, 'could not delete the intermediates now; the sweeper will');
        return 0;
      });
      log.info({ media_id: record.id, deleted }, 'media cancelled');
      deps.hub.announce({ media: cancelled.media, event: MediaProgressEvents.cancelled, stage: null, at: new Date().toISOString() });
      await deps.admission
        .releaseAfter(record.id)
        .catch((err: unknown) =>
          log.warn({ err, media_id: record.id }, 'could not release the next waiting item now; the admission pass will'),
        );
      return cancelled.media;
    },

    async remove(record) {
      if (record.status === 'QUEUED' || record.status === 'PROCESSING') {
        // Finished in the meantime: nothing left to stop, it is deleted all the same.
        await operations.cancel(record).catch((error: unknown) => {
          if (!(error instanceof MediaOperationError && error.reason === 'INVALID_STATE')) throw error;
        });
      }
      const objects = await deleteAllObjects(store, record);
      const removed = await lifecycle.remove(record.id);
      log.info({ media_id: record.id, objects, removed }, 'media deleted');
      return removed;
    },
  };
  return operations;
}
