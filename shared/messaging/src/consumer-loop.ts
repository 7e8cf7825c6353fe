import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { AckPolicy, DeliverPolicy, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import {
  eventSchemas,
  InvalidEventError,
  outputSizeProblemOf,
  parseEvent,
  ProgressSubjects,
  Subjects,
  type EventOf,
  type Hop,
  type OutputLimits,
  type StageProgress,
  type Subject,
} from '@revive/contracts';
import { withLogFields } from '@revive/logging';
import { inSpan, pipelineMetrics, SpanAttributes } from '@revive/telemetry';
import { monitorBacklog } from './backlog-monitor.ts';
import { watchCancellations, type TrackedItem } from './cancellations.ts';
import { consumeDurable } from './durable-consume.ts';
import { handledDeliveries } from './handled-deliveries.ts';
import { inConsumeSpan, publishTraced } from './message-tracing.ts';
import { outcomeOfError, retryDelayMs, type HandlerContext, type Outcome } from './outcome.ts';
import { withTransientRetry } from './publish-retry.ts';

const PROGRESS_INTERVAL_MS = 250;

export interface ConsumerLoopOptions<S extends Subject> {
  readonly nc: NatsConnection;
  readonly stream: string;
  readonly hop: Hop & { readonly consumes: S };
  readonly handle: (event: EventOf<S>, context: HandlerContext) => Promise<Outcome>;
  /** Messages processed at once by this replica (heavy stages: 1). */
  readonly concurrency?: number;
  readonly ackWaitMs?: number;
  readonly maxDeliver?: number;
  readonly onError?: (error: unknown) => void;
  /** How often the consumer's backlog is read for the queue-depth gauges; 0: never. */
  readonly backlogPollMs?: number;
  /** An item whose result would break these is failed before its handler runs; unchecked when absent. */
  readonly outputLimits?: OutputLimits;
  /** Replicas of the cancelled-items and handled-inputs buckets should this loop be the one to create them (the media stream's). */
  readonly bucketReplicas?: number;
}

/** A stage's consume ended on its own and is being re-opened (logged; the stage keeps working). */
export class ConsumeInterruptedError extends Error {
  override readonly name = 'ConsumeInterruptedError';
  readonly retryable = true;
  constructor(consumer: string, cause: unknown) {
    super(`consuming ${consumer} was interrupted (${cause instanceof Error ? cause.message : String(cause)}); re-opening it`, { cause });
  }
}

/** How a delivery was settled, for the span and the stage metrics. */
type Settlement =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'retry' }
  | { readonly outcome: 'failed'; readonly code: string }
  /** The item was cancelled: acked, nothing published. */
  | { readonly outcome: 'cancelled' }
  /** A redelivery of an input already handled to completion (its ack was lost): acked, nothing redone. */
  | { readonly outcome: 'duplicate' };

/**
 * Unacknowledged deliveries a stage's consumer may have out at once, across its replicas.
 * Each replica pulls at most `concurrency` messages, but a message that was nak'd with a backoff
 * delay (object store down, say) stays pending until it is redelivered, and one held by a killed
 * replica stays pending until ack_wait expires. Too small a limit and those alone would fill it:
 * the server then quietly stops handing out work while healthy replicas idle. Too large (the
 * server's default 1000 for heavy stages) and a stuck stage can hoard a large backlog in retry
 * limbo. Room for ~16 replicas' in-flight work plus as many items in backoff, never below 64;
 * when it is reached the backlog shows as `num_pending` in the queue-depth gauge.
 */
export function maxAckPendingFor(concurrency: number): number {
  return Math.max(64, 32 * concurrency);
}

/** Creates or updates the stage's durable pull consumer: a work queue shared by all replicas. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  hop: Hop,
  ackWaitMs: number,
  maxDeliver: number,
  concurrency = 1,
): Promise<void> {
  const config = {
    durable_name: hop.consumer,
    filter_subject: hop.consumes,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs * 1e6,
    max_deliver: maxDeliver,
    max_ack_pending: maxAckPendingFor(concurrency),
  };
  try {
    await jsm.consumers.info(stream, hop.consumer);
    await jsm.consumers.update(stream, hop.consumer, {
      ack_wait: config.ack_wait,
      max_deliver: maxDeliver,
      max_ack_pending: config.max_ack_pending,
    });
  } catch {
    await jsm.consumers.add(stream, config);
  }
}

/**
 * The one consumer loop every stage runs: validates each payload, runs the handler with
 * heartbeats, publishes the next events (deduplicated by msgID), records the input as handled
 * (a redelivery after a lost ack is acked, not handled again) and only then acks; maps a
 * retry to a delayed nak and a reject (or exhausted retries) to a failure event plus term.
 * Returns a function that stops consuming after the in-flight messages finish.
 */
export async function runConsumerLoop<S extends Subject>(options: ConsumerLoopOptions<S>): Promise<{ stop(): Promise<void> }> {
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxDeliver = options.maxDeliver ?? 5;
  const concurrency = options.concurrency ?? 1;
  const { nc } = options;
  const js = nc.jetstream();
  const ensure = async () => ensureConsumer(await nc.jetstreamManager(), options.stream, options.hop, ackWaitMs, maxDeliver, concurrency);
  // Booting through a server's restart or a cluster's election: timeouts and 503s are waited out.
  await withTransientRetry(ensure);
  const stopBacklog =
    options.backlogPollMs === 0
      ? () => {}
      : monitorBacklog(await withTransientRetry(() => nc.jetstreamManager()), options.stream, options.hop, options.backlogPollMs ?? 5000);
  const metrics = pipelineMetrics();
  const labels = { stage: options.hop.stage, kind: options.hop.consumes.split('.')[1] ?? 'unknown' };
  // Items cancelled through the API: skipped before any work, and stopped while they run.
  const cancellations = await withTransientRetry(() => watchCancellations(nc, (error) => options.onError?.(error), options.bucketReplicas));
  const handled = await withTransientRetry(() => handledDeliveries(nc, options.hop.consumer, options.bucketReplicas));

  const consuming = consumeDurable({
    nc,
    stream: options.stream,
    consumer: options.hop.consumer,
    maxMessages: concurrency,
    ensure,
    concurrency,
    handle: process,
    onHandleError: (error) => options.onError?.(error),
    onInterrupted: (error) => options.onError?.(new ConsumeInterruptedError(options.hop.consumer, error)),
  });

  async function publishFailure(msg: JsMsg, code: string, reason: string, attempt: number, raw: unknown): Promise<Settlement> {
    const item = raw as { mediaId?: unknown; options?: unknown } | null;
    if (typeof item?.mediaId === 'string') {
      const payload = {
        mediaId: item.mediaId,
        options: item.options ?? {},
        at: new Date().toISOString(),
        kind: options.hop.consumes.split('.')[1],
        stage: options.hop.stage,
        code,
        message: reason.slice(0, 2000),
        attempt,
      };
      // A failure event that breaks its own schema would be worse than none: fall back to defaults.
      const valid = eventSchemas[Subjects.mediaFailed].safeParse(payload).success ? payload : { ...payload, options: {} };
      // Keyed by the input message: its redeliveries fail once, a retryMedia re-publish fails anew.
      await publishTraced(js, Subjects.mediaFailed, JSON.stringify(valid), {
        msgID: `${item.mediaId}:${options.hop.stage}:failed:${msg.seq}`,
        mediaId: item.mediaId,
      });
    }
    // No reason suffix: nats-server 2.9 ignores `+TERM <reason>` and would redeliver the poison
    // message; the reason travels in the failure event instead.
    msg.term();
    await nc.flush();
    return { outcome: 'failed', code };
  }

  const lastReport = new Map<string, number>();
  function reportProgress(mediaId: string, done: number, total: number, unit: StageProgress['unit']): void {
    // At most a few reports a second per item (a 24 MP image has ~2,000 tiles); first and last always go.
    const now = Date.now();
    if (done > 0 && done < total && now - (lastReport.get(mediaId) ?? 0) < PROGRESS_INTERVAL_MS) return;
    lastReport.set(mediaId, now);
    if (done >= total) lastReport.delete(mediaId);
    const progress: StageProgress = { mediaId, stage: options.hop.stage, done, total, unit, at: new Date().toISOString() };
    // Progress is advisory and high-volume: core NATS, not JetStream; losing one is harmless.
    nc.publish(ProgressSubjects.of(mediaId), JSON.stringify(progress));
  }

  /** One delivery, in a span continuing the producer's trace, counted in the stage's metrics. */
  async function process(msg: JsMsg): Promise<void> {
    const started = performance.now();
    const settled = await inConsumeSpan(msg, options.hop, async (span) => {
      const result = await settle(msg, span);
      span.setAttribute(SpanAttributes.outcome, result.outcome);
      return result;
    });
    metrics.processingDuration.record((performance.now() - started) / 1000, { ...labels, outcome: settled.outcome });
    if (settled.outcome === 'done') metrics.itemsProcessed.add(1, labels);
    else if (settled.outcome === 'retry') metrics.itemsRetried.add(1, labels);
    else if (settled.outcome === 'failed') metrics.itemsFailed.add(1, { ...labels, code: settled.code });
  }

  async function settle(msg: JsMsg, span: Span): Promise<Settlement> {
    const attempt = msg.info.redeliveryCount;
    let raw: unknown;
    try {
      raw = msg.json();
    } catch {
      return publishFailure(msg, 'INVALID_EVENT', 'payload is not JSON', attempt, undefined);
    }
    let event: EventOf<S>;
    try {
      event = parseEvent(options.hop.consumes, raw);
    } catch (error) {
      return publishFailure(msg, 'INVALID_EVENT', (error as InvalidEventError).message, attempt, raw);
    }
    span.setAttribute(SpanAttributes.mediaId, event.mediaId);
    // Looked up on every delivery, not only on redeliveries: a consumer leader elected before the
    // delivery reached its Raft group, or a consumer re-created, delivers again with a count of 1.
    if (await handled.wasHandled(msg.seq)) {
      await msg.ackAck();
      return { outcome: 'duplicate' };
    }
    // Tracked before the lookup: a cancel that lands between the two still aborts the work.
    const item = cancellations.track(event.mediaId);
    try {
      if (await cancellations.isCancelled(event.mediaId)) {
        await msg.ackAck();
        return { outcome: 'cancelled' };
      }
      const tooLarge = options.outputLimits && outputSizeProblemOf(options.hop.consumes, event, options.outputLimits);
      if (tooLarge) return await publishFailure(msg, tooLarge.code, tooLarge.message, attempt, event);
      // Every line logged while this item is handled names it and the stage.
      return await withLogFields({ media_id: event.mediaId, stage: options.hop.stage }, () => handleAndSettle(msg, event, attempt, item));
    } finally {
      item.release();
    }
  }

  async function handleAndSettle(msg: JsMsg, event: EventOf<S>, attempt: number, item: TrackedItem): Promise<Settlement> {
    // Each beat also looks the item up, in case the cancellation watch missed its update.
    const beat = setInterval(
      () => {
        msg.working();
        void item.recheck();
      },
      Math.max(1000, ackWaitMs / 3),
    );
    reportProgress(event.mediaId, 0, 1, 'steps');
    let outcome: Outcome;
    try {
      const attributes = {
        [SpanAttributes.stage]: options.hop.stage,
        [SpanAttributes.mediaId]: event.mediaId,
        [SpanAttributes.deliveryCount]: attempt,
      };
      outcome = await inSpan(`${options.hop.stage} handle`, { attributes }, async (span) => {
        const decided = await options.handle(event, {
          stage: options.hop.stage,
          attempt,
          heartbeat: () => msg.working(),
          progress: (done, total, unit) => reportProgress(event.mediaId, done, total, unit),
          signal: item.signal,
        });
        span.setAttribute(SpanAttributes.outcome, decided.kind);
        if (decided.kind !== 'done') span.setStatus({ code: SpanStatusCode.ERROR, message: decided.reason });
        return decided;
      });
    } catch (error) {
      outcome = outcomeOfError(error);
    } finally {
      clearInterval(beat);
      lastReport.delete(event.mediaId);
    }
    // Cancelled while it ran: whatever the handler made of that, nothing of it goes on.
    if (item.signal.aborted) {
      await msg.ackAck();
      return { outcome: 'cancelled' };
    }
    if (outcome.kind === 'done') {
      for (const next of outcome.next) {
        await publishTraced(js, next.subject, JSON.stringify(next.payload), { msgID: next.msgID, mediaId: event.mediaId });
      }
      // Before the ack, which may be lost in a failover: the redelivery then finds this and is only acked.
      await handled.record(msg.seq, event.mediaId);
      await msg.ackAck();
      return { outcome: 'done' };
    }
    if (outcome.kind === 'retry' && attempt < maxDeliver) {
      msg.nak(retryDelayMs(attempt));
      await nc.flush();
      return { outcome: 'retry' };
    }
    const code = outcome.kind === 'reject' ? outcome.code : 'RETRIES_EXHAUSTED';
    return publishFailure(msg, code, outcome.reason, attempt, event);
  }

  return {
    async stop() {
      stopBacklog();
      await consuming.stop();
      cancellations.stop();
    },
  };
}
