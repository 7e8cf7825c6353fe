import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { Buckets, FLOW, MEDIA_STREAM_SUBJECTS, messageId, parseEvent, Streams, Subjects, type EventOf } from '@revive/contracts';
import { startNatsServer, type RunningNatsServer } from '@revive/testing';
import { runConsumerLoop } from './consumer-loop.ts';
import type { Outcome } from './outcome.ts';

const colorizeHop = FLOW.image[1]! as (typeof FLOW.image)[1] & { consumes: typeof Subjects.imagePreprocessed };
const options = { scale: 2, colorize: 'auto', frameRateFactor: 2 } as const;
const preprocessed = (mediaId: string) => ({ mediaId, options, at: new Date().toISOString(), key: `media/${mediaId}/pre.png`, width: 8, height: 6, isMonochrome: true });

describe('consumer loop: cancelled items and MaxDeliver exhaustion (real JetStream)', () => {
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
    const m = await (await js.consumers.get(Streams.media, durable)).next({ expires: 8000 });
    assert.ok(m, `no message on ${durable}`);
    return m.json();
  }

  it('acks a cancelled item without handling it or publishing; other items go on', async () => {
    const handled: string[] = [];
    const handle = async (event: EventOf<typeof Subjects.imagePreprocessed>): Promise<Outcome> => {
      handled.push(event.mediaId);
      return { kind: 'done', next: [{ subject: Subjects.imageColorized, payload: { ...event, colorized: true }, msgID: messageId(event.mediaId, 'colorize') }] };
    };
    const loop = await runConsumerLoop({ nc, stream: Streams.media, hop: colorizeHop, handle, ackWaitMs: 5000, backlogPollMs: 0 });
    const cancelled = '00000000-0000-4000-8000-0000000000c1';
    const live = '00000000-0000-4000-8000-0000000000c2';
    try {
      await (await js.views.kv(Buckets.cancelled)).put(cancelled, new Date().toISOString());
      await js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(cancelled)), { msgID: messageId(cancelled, 'preprocess') });
      await js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(live)), { msgID: messageId(live, 'preprocess') });
      const out = parseEvent(Subjects.imageColorized, await next('watch-out'));
      assert.equal(out.mediaId, live);
    } finally {
      await loop.stop();
    }
    assert.deepEqual(handled, [live]);
    const info = await jsm.consumers.info(Streams.media, colorizeHop.consumer);
    assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0], 'the cancelled message was settled too');
    const colorized = await jsm.streams.info(Streams.media, { subjects_filter: Subjects.imageColorized });
    assert.equal(colorized.state.subjects?.[Subjects.imageColorized], 1, 'nothing published for the cancelled item');
  });

  it('ends an item whose retries run out with RETRIES_EXHAUSTED at attempt = max deliver, and fails a re-published input anew', async () => {
    await jsm.consumers.delete(Streams.media, colorizeHop.consumer);
    await jsm.streams.purge(Streams.media, { filter: Subjects.imagePreprocessed });
    const handle = async (): Promise<Outcome> => ({ kind: 'retry', reason: 'model server unavailable' });
    const loop = await runConsumerLoop({ nc, stream: Streams.media, hop: colorizeHop, handle, ackWaitMs: 5000, maxDeliver: 2, backlogPollMs: 0 });
    const id = '00000000-0000-4000-8000-0000000000e1';
    try {
      await js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), { msgID: messageId(id, 'preprocess') });
      const failure = parseEvent(Subjects.mediaFailed, await next('watch-failed'));
      assert.deepEqual([failure.mediaId, failure.code, failure.stage, failure.attempt], [id, 'RETRIES_EXHAUSTED', 'colorize', 2]);
      // As retryMedia does: the same input under a new msgID fails again, and that failure is not deduplicated away.
      await js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), { msgID: `${messageId(id, 'preprocess')}:retry1` });
      const again = parseEvent(Subjects.mediaFailed, await next('watch-failed'));
      assert.deepEqual([again.mediaId, again.code, again.attempt], [id, 'RETRIES_EXHAUSTED', 2]);
    } finally {
      await loop.stop();
    }
  });
});
