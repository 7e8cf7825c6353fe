import { AckPolicy, DeliverPolicy, headers, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import { eventSchemas, InvalidEventError, parseEvent, ProgressSubjects, Subjects, type EventOf, type Hop, type StageProgress, type Subject } from '@revive/contracts';
import { retryDelayMs, type HandlerContext, type Outcome } from './outcome.ts';

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
}

/** Creates or updates the stage's durable pull consumer: a work queue shared by all replicas. */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, hop: Hop, ackWaitMs: number, maxDeliver: number): Promise<void> {
  const config = {
    durable_name: hop.consumer,
    filter_subject: hop.consumes,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs * 1e6,
    max_deliver: maxDeliver,
  };
  try {
    await jsm.consumers.info(stream, hop.consumer);
    await jsm.consumers.update(stream, hop.consumer, { ack_wait: config.ack_wait, max_deliver: maxDeliver });
  } catch {
    await jsm.consumers.add(stream, config);
  }
}

/**
 * The one consumer loop every stage runs: validates each payload, runs the handler with
 * heartbeats, publishes the next events (deduplicated by msgID) and only then acks; maps a
 * retry to a delayed nak and a reject (or exhausted retries) to a failure event plus term.
 * Returns a function that stops consuming after the in-flight messages finish.
 */
export async function runConsumerLoop<S extends Subject>(options: ConsumerLoopOptions<S>): Promise<{ stop(): Promise<void> }> {
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxDeliver = options.maxDeliver ?? 5;
  const concurrency = options.concurrency ?? 1;
  const { nc } = options;
  const js = nc.jetstream();
  await ensureConsumer(await nc.jetstreamManager(), options.stream, options.hop, ackWaitMs, maxDeliver);
  const consumer = await js.consumers.get(options.stream, options.hop.consumer);
  const messages = await consumer.consume({ max_messages: concurrency });
  const inFlight = new Set<Promise<void>>();

  const loop = (async () => {
    for await (const msg of messages) {
      const task = process(msg).catch((e) => options.onError?.(e));
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      // Bounded: never more than `concurrency` handlers at once.
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  })();

  async function publishFailure(msg: JsMsg, code: string, reason: string, attempt: number, raw: unknown): Promise<void> {
    const item = raw as { mediaId?: unknown; options?: unknown } | null;
    if (typeof item?.mediaId === 'string') {
      const payload = { mediaId: item.mediaId, options: item.options ?? {}, at: new Date().toISOString(), kind: options.hop.consumes.split('.')[1], stage: options.hop.stage, code, message: reason.slice(0, 2000), attempt };
      // A failure event that breaks its own schema would be worse than none: fall back to defaults.
      const valid = eventSchemas[Subjects.mediaFailed].safeParse(payload).success ? payload : { ...payload, options: {} };
      await js.publish(Subjects.mediaFailed, JSON.stringify(valid), { msgID: `${item.mediaId}:${options.hop.stage}:failed` });
    }
    // No reason suffix: nats-server 2.9 ignores `+TERM <reason>` and would redeliver the poison
    // message; the reason travels in the failure event instead.
    msg.term();
    await nc.flush();
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

  async function process(msg: JsMsg): Promise<void> {
    const attempt = msg.info.redeliveryCount;
    let raw: unknown;
    try {
      raw = msg.json();
    } catch {
      await publishFailure(msg, 'INVALID_EVENT', 'payload is not JSON', attempt, undefined);
      return;
    }
    let event: EventOf<S>;
    try {
      event = parseEvent(options.hop.consumes, raw);
    } catch (error) {
      await publishFailure(msg, 'INVALID_EVENT', (error as InvalidEventError).message, attempt, raw);
      return;
    }
    const beat = setInterval(() => msg.working(), Math.max(1000, ackWaitMs / 3));
    reportProgress(event.mediaId, 0, 1, 'steps');
    let outcome: Outcome;
    try {
      outcome = await options.handle(event, {
        stage: options.hop.stage,
        attempt,
        heartbeat: () => msg.working(),
        progress: (done, total, unit) => reportProgress(event.mediaId, done, total, unit),
      });
    } catch (error) {
      // A bare throw decides nothing by accident: only errors that say so are retried.
      const retryable = (error as { retryable?: boolean }).retryable === true;
      outcome = retryable ? { kind: 'retry', reason: (error as Error).message } : { kind: 'reject', code: (error as { code?: string }).code ?? 'INTERNAL', reason: (error as Error).message };
    } finally {
      clearInterval(beat);
      lastReport.delete(event.mediaId);
    }
    if (outcome.kind === 'done') {
      for (const next of outcome.next) {
        const h = headers();
        await js.publish(next.subject, JSON.stringify(next.payload), { msgID: next.msgID, headers: h });
      }
      await msg.ackAck();
    } else if (outcome.kind === 'retry' && attempt < maxDeliver) {
      msg.nak(retryDelayMs(attempt));
      await nc.flush();
    } else {
      const code = outcome.kind === 'reject' ? outcome.code : 'RETRIES_EXHAUSTED';
      await publishFailure(msg, code, outcome.reason, attempt, event);
    }
  }

  return {
    async stop() {
      messages.stop();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}
