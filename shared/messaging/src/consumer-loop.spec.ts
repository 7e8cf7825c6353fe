import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { FLOW, MEDIA_STREAM_SUBJECTS, messageId, parseEvent, Streams, Subjects, type EventOf } from '@revive/contracts';
import { startNatsServer, type RunningNatsServer } from '@revive/testing';
import { runConsumerLoop } from './consumer-loop.ts';
import type { Outcome } from './outcome.ts';

const colorizeHop = FLOW.image[1]!; // image.preprocessed → image.colorized
const at = () => new Date().toISOString();
const options = { scale: 2, colorize: 'auto', frameRateFactor: 2 } as const;
const preprocessed = (mediaId: string) => ({ mediaId, options, at: at(), key: `media/${mediaId}/pre.png`, width: 8, height: 6, isMonochrome: true });

describe('consumer loop against a real JetStream', () => {
  let server: RunningNatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  before(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    js = nc.jetstream();
    jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: Streams.media, subjects: [...MEDIA_STREAM_SUBJECTS], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: 120e9 });
    await jsm.consumers.add(Streams.media, { durable_name: 'watch-out', filter_subject: Subjects.imageColorized, ack_policy: AckPolicy.None });
    await jsm.consumers.add(Streams.media, { durable_name: 'watch-failed', filter_subject: Subjects.mediaFailed, ack_policy: AckPolicy.None });
  });
  after(async () => {
    await nc?.drain();
    await server?.stop();
  });

  async function next(durable: string): Promise<unknown> {
    const c = await js.consumers.get(Streams.media, durable);
    const m = await c.next({ expires: 5000 });
    assert.ok(m, `no message on ${durable}`);
    return m.json();
  }

  it('publishes the next event, retries a retryable failure, and rejects poison input with a failure event', async () => {
    const attempts = new Map<string, number>();
    const handle = async (event: EventOf<typeof Subjects.imagePreprocessed>, ctx: { attempt: number }): Promise<Outcome> => {
      attempts.set(event.mediaId, ctx.attempt);
      if (event.mediaId.endsWith('2') && ctx.attempt === 1) throw Object.assign(new Error('object store unavailable'), { retryable: true });
      return { kind: 'done', next: [{ subject: Subjects.imageColorized, payload: { ...event, key: `media/${event.mediaId}/col.png`, colorized: true, at: at() }, msgID: messageId(event.mediaId, 'colorize') }] };
    };
    const loop = await runConsumerLoop({ nc, stream: Streams.media, hop: colorizeHop as typeof colorizeHop & { consumes: typeof Subjects.imagePreprocessed }, handle, ackWaitMs: 5000 });
    try {
      const ok = '00000000-0000-4000-8000-000000000001';
      const flaky = '00000000-0000-4000-8000-000000000002';
      await js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(ok)), { msgID: messageId(ok, 'preprocess') });
      const out1 = parseEvent(Subjects.imageColorized, await next('watch-out'));
      assert.deepEqual([out1.mediaId, out1.key], [ok, `media/${ok}/col.png`]);

      await js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(flaky)), { msgID: messageId(flaky, 'preprocess') });
      const out2 = parseEvent(Subjects.imageColorized, await next('watch-out'));
      assert.equal(out2.mediaId, flaky);
      assert.equal(attempts.get(flaky), 2, 'succeeded on the redelivery');

      await js.publish(Subjects.imagePreprocessed, JSON.stringify({ mediaId: '00000000-0000-4000-8000-000000000003', width: -1 }));
      const failure = parseEvent(Subjects.mediaFailed, await next('watch-failed'));
      assert.deepEqual([failure.code, failure.stage, failure.kind], ['INVALID_EVENT', 'colorize', 'image']);
      assert.match(failure.message, /width/);
    } finally {
      await loop.stop();
    }
    const info = await jsm.consumers.info(Streams.media, colorizeHop.consumer);
    assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0], 'every message settled');
  });
});
