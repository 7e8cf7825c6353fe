import { AckPolicy, DeliverPolicy, type JsMsg, type NatsConnection } from 'nats';
import { trace } from '@opentelemetry/api';
import type { Logger } from '@revive/logging';
import { consumeDurable, inConsumeSpan, withTransientRetry } from '@revive/messaging';
import { SpanAttributes } from '@revive/telemetry';
import {
  Consumers,
  GatewaySubjects,
  hopEmitting,
  InvalidEventError,
  isSubject,
  MediaProgressEvents,
  parseEvent,
  ProgressSubjects,
  stageProgressSchema,
  Streams,
  Subjects,
  type EventOf,
  type MediaProgressEvent,
  type Stage,
  type Subject,
} from '@revive/contracts';
import type { MediaHub } from './media-hub.ts';
import type { MediaRecord, Projection } from './persistence/index.ts';

/** What subscribers are told after an event was projected (in order). */
function updatesFor(subject: Subject, media: MediaRecord, at: string): Array<{ event: MediaProgressEvent; stage: Stage | null }> {
  if (subject === Subjects.mediaFailed) return [{ event: MediaProgressEvents.failed, stage: media.error?.stage ?? null }];
  const stage = hopEmitting(subject)?.stage;
  if (!stage) return [{ event: MediaProgressEvents.snapshot, stage: null }];
  const skipped = media.stages.find((s) => s.stage === stage)?.status === 'SKIPPED';
  const updates = [{ event: skipped ? MediaProgressEvents.stageSkipped : MediaProgressEvents.stageDone, stage }];
  if (media.status === 'COMPLETED' && at) updates.push({ event: MediaProgressEvents.completed, stage: null } as never);
  return updates;
}

/** Items projected at once by one gateway replica (each item's own events stay in order). */
const PARALLEL_ITEMS = 16;

/** The item an event belongs to, for ordering; unreadable payloads share one queue (they are only skipped). */
function mediaIdOf(msg: JsMsg): string {
  try {
    const id = (msg.json() as { mediaId?: unknown } | null)?.mediaId;
    return typeof id === 'string' ? id : '';
  } catch {
    return '';
  }
}

/**
 * Projects pipeline events into PostgreSQL and announces each change. One durable consumer
 * shared by all gateway replicas: each event is projected by one replica (and the projection
 * itself skips an event id it has seen, for redeliveries); the announcement reaches them all.
 */
export async function startProjector(deps: {
  nc: NatsConnection;
  projection: Projection;
  hub: MediaHub;
  log: Logger;
  /** Told once when this replica projected an item's outcome (COMPLETED or FAILED): webhooks, and the owner's next waiting item. */
  onOutcome?: (media: MediaRecord) => void;
}): Promise<{ stop(): Promise<void> }> {
  const { nc, projection, hub, log } = deps;
  const jsm = await withTransientRetry(() => nc.jetstreamManager());
  const config = {
    durable_name: Consumers.gatewayProjection,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 30e9,
    max_ack_pending: 1000,
  };
  const ensure = async () =>
    void (await jsm.consumers.info(Streams.media, Consumers.gatewayProjection).catch(() => jsm.consumers.add(Streams.media, config)));
  await withTransientRetry(ensure);

  async function project(msg: JsMsg): Promise<void> {
    const subject = msg.subject;
    if (!isSubject(subject)) {
      log.warn({ subject }, 'projection: subject outside the event catalogue; skipped');
      return msg.term();
    }
    let payload;
    try {
      payload = parseEvent(subject, msg.json());
      trace.getActiveSpan()?.setAttribute(SpanAttributes.mediaId, payload.mediaId);
    } catch (error) {
      log.warn({ subject, err: error instanceof InvalidEventError ? error.message : String(error) }, 'projection: invalid event; skipped');
      return msg.term();
    }
    // A stage's failure message quotes its tools (temp paths, ffmpeg's addresses): clients see the
    // code's message (failure-messages.ts); the stage's words stay here, with the item's trace id.
    if (subject === Subjects.mediaFailed) {
      const failure = payload as EventOf<typeof Subjects.mediaFailed>;
      log.warn(
        { media_id: failure.mediaId, stage: failure.stage, code: failure.code, attempt: failure.attempt, detail: failure.message },
        'stage failed',
      );
    }
    try {
      const media = await projection.applyEvent(subject, payload as never, String(msg.seq));
      if (media) for (const u of updatesFor(subject, media, payload.at)) hub.announce({ media, ...u, at: payload.at });
      msg.ack();
      const outcome =
        subject === Subjects.mediaFailed
          ? 'FAILED'
          : subject === Subjects.imagePublished || subject === Subjects.videoPublished
            ? 'COMPLETED'
            : undefined;
      if (media && outcome && media.status === outcome) deps.onOutcome?.(media);
    } catch (error) {
      log.error({ err: error, subject, media_id: payload.mediaId }, 'projection failed; will retry');
      msg.nak(2000);
    }
  }

  // An item's events are projected one after another, in stream order; different items go in
  // parallel (a single global queue made clients lag the pipeline by seconds under load). Each
  // projection continues the trace of the stage that published the event.
  const consuming = consumeDurable({
    nc,
    stream: Streams.media,
    consumer: Consumers.gatewayProjection,
    maxMessages: 64,
    ensure,
    concurrency: PARALLEL_ITEMS,
    orderKey: mediaIdOf,
    handle: (msg) => inConsumeSpan(msg, { consumer: Consumers.gatewayProjection }, () => project(msg)),
    onHandleError: (error, msg) => log.error({ err: error, subject: msg.subject }, 'projection task failed'),
    onInterrupted: (error) => log.warn({ err: error }, 'projection: consuming was interrupted; re-opening it'),
  });

  const progressSub = nc.subscribe(ProgressSubjects.all, {
    queue: GatewaySubjects.progressQueue,
    callback: (err, msg) => {
      if (err) return log.error({ err }, 'progress subscription failed');
      const parsed = stageProgressSchema.safeParse(
        (() => {
          try {
            return msg.json();
          } catch {
            return undefined;
          }
        })(),
      );
      if (!parsed.success) return log.warn({ subject: msg.subject }, 'progress: invalid message; skipped');
      const p = parsed.data;
      projection
        .applyProgress(p)
        .then((media) => {
          if (media)
            hub.announce({
              media,
              event: p.done === 0 ? MediaProgressEvents.stageStarted : MediaProgressEvents.stageProgress,
              stage: p.stage,
              at: p.at,
            });
        })
        .catch((error: unknown) => log.error({ err: error, media_id: p.mediaId }, 'progress projection failed'));
    },
  });

  return {
    async stop() {
      progressSub.unsubscribe();
      await consuming.stop();
    },
  };
}
