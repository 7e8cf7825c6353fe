import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import { AckPolicy, connect, RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection } from 'nats';
import { FLOW, MEDIA_STREAM_SUBJECTS, messageId, Streams, Subjects, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { startInMemoryTelemetry, type InMemoryTelemetry } from '@revive/telemetry/testing';
import { startNatsServer, type RunningNatsServer } from '@revive/testing';
import { runConsumerLoop } from './consumer-loop.ts';
import type { Outcome } from './outcome.ts';
import { publishEvent } from './publisher.ts';

/** The hop the spec runs: the stage that takes image.preprocessed, whichever the catalogue says it is. */
const hopUnderTest = FLOW.image[1]! as (typeof FLOW.image)[1] & { consumes: typeof Subjects.imagePreprocessed };
const options = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 } as const;
const preprocessed = (mediaId: string): EventOf<typeof Subjects.imagePreprocessed> => ({
  mediaId,
  options,
  at: new Date().toISOString(),
  key: `media/${mediaId}/pre.png`,
  width: 8,
  height: 6,
  isMonochrome: true,
});

describe('consumer loop telemetry (real JetStream, real SDK with in-memory exporters)', () => {
  let telemetry: InMemoryTelemetry;
  let server: RunningNatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(
    `revive-${hopUnderTest.stage}`,
    'info',
    new Writable({ write: (chunk, _, done) => (lines.push(JSON.parse(String(chunk))), done()) }),
  );

  before(async () => {
    telemetry = startInMemoryTelemetry();
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({
      name: Streams.media,
      subjects: [...MEDIA_STREAM_SUBJECTS],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: 120e9,
    });
    await jsm.consumers.add(Streams.media, {
      durable_name: 'watch-out',
      filter_subject: Subjects.imageColorized,
      ack_policy: AckPolicy.None,
    });
  });
  after(async () => {
    await nc?.drain();
    await server?.stop();
    await telemetry?.shutdown();
  });

  it('continues the producer trace across the message, retries included, counts each outcome and logs with trace and item fields', async () => {
    const mediaId = '00000000-0000-4000-8000-0000000000a1';
    const handle = async (event: EventOf<typeof Subjects.imagePreprocessed>, ctx: { attempt: number }): Promise<Outcome> => {
      log.info('working on it');
      if (ctx.attempt === 1) return { kind: 'retry', reason: 'model busy' };
      return {
        kind: 'done',
        next: [
          {
            subject: Subjects.imageColorized,
            payload: { ...event, at: new Date().toISOString() },
            msgID: messageId(event.mediaId, hopUnderTest.stage),
          },
        ],
      };
    };
    const loop = await runConsumerLoop({ nc, stream: Streams.media, hop: hopUnderTest, handle, ackWaitMs: 5000, backlogPollMs: 100 });
    try {
      // The producer: a span of its own, like the gateway's upload request.
      await trace.getTracer('spec').startActiveSpan('upload', async (span) => {
        await publishEvent(js, Subjects.imagePreprocessed, preprocessed(mediaId), messageId(mediaId, 'preprocess'));
        span.end();
      });
      const out = await (await js.consumers.get(Streams.media, 'watch-out')).next({ expires: 10_000 });
      assert.ok(out, 'the next event was published after the retry');
      assert.ok(out.headers?.get('traceparent'), 'the next event carries traceparent');
    } finally {
      await loop.stop();
    }

    const spans = telemetry.spans();
    const producer = spans.find((s) => s.name === `${Subjects.imagePreprocessed} publish`)!;
    assert.equal(producer.kind, SpanKind.PRODUCER);
    const consumes = spans.filter((s) => s.name === `${Subjects.imagePreprocessed} process`);
    assert.deepEqual(
      consumes.map((s) => s.attributes['messaging.nats.message.delivery_count']).sort(),
      [1, 2],
      'the redelivery is a span of its own',
    );
    for (const c of consumes) {
      assert.equal(c.kind, SpanKind.CONSUMER);
      assert.equal(c.spanContext().traceId, producer.spanContext().traceId, 'same trace');
      assert.equal(c.parentSpanContext?.spanId, producer.spanContext().spanId, 'child of the producer span');
      assert.equal(c.attributes['revive.media_id'], mediaId);
    }
    assert.deepEqual(consumes.map((c) => c.attributes['revive.outcome']).sort(), ['done', 'retry']);
    const done = consumes.find((c) => c.attributes['revive.outcome'] === 'done')!;
    const next = spans.find((s) => s.name === `${Subjects.imageColorized} publish`)!;
    assert.equal(next.parentSpanContext?.spanId, done.spanContext().spanId, "the next event's publish nests in the consume span");
    const handles = spans.filter((s) => s.name === `${hopUnderTest.stage} handle`);
    assert.equal(handles.length, 2);
    for (const h of handles) assert.ok(consumes.some((c) => c.spanContext().spanId === h.parentSpanContext?.spanId));

    const text = await telemetry.prometheusText();
    assert.match(text, new RegExp(`revive_stage_items_processed_total\\{[^}]*stage="${hopUnderTest.stage}"[^}]*\\} 1`));
    assert.match(text, new RegExp(`revive_stage_items_retried_total\\{[^}]*stage="${hopUnderTest.stage}"[^}]*\\} 1`));
    assert.match(text, /revive_stage_processing_duration_seconds_count\{[^}]*outcome="retry"[^}]*\} 1/);

    const worked = lines.filter((l) => l.msg === 'working on it');
    assert.equal(worked.length, 2);
    for (const l of worked) {
      assert.deepEqual([l.media_id, l.stage, l.trace_id], [mediaId, hopUnderTest.stage, producer.spanContext().traceId]);
      assert.ok(
        handles.some((h) => h.spanContext().spanId === l.span_id),
        'span_id is the handle span',
      );
    }
  });
});
