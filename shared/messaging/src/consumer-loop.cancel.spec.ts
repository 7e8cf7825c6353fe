import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Buckets, messageId, parseEvent, Streams, Subjects, type EventOf } from '@revive/contracts';
import { hopUnderTest, preprocessed, startMediaStreamFixture, type MediaStreamFixture } from './consumer-loop.fixture.ts';
import { runConsumerLoop } from './consumer-loop.ts';
import type { Outcome } from './outcome.ts';

describe('consumer loop: cancelled items and MaxDeliver exhaustion (real JetStream)', () => {
  let nats: MediaStreamFixture;
  before(async () => {
    nats = await startMediaStreamFixture();
  });
  after(() => nats?.stop());

  it('acks a cancelled item without handling it or publishing; other items go on', async () => {
    const handled: string[] = [];
    const handle = async (event: EventOf<typeof Subjects.imagePreprocessed>): Promise<Outcome> => {
      handled.push(event.mediaId);
      return {
        kind: 'done',
        next: [{ subject: Subjects.imageColorized, payload: { ...event }, msgID: messageId(event.mediaId, 'colorize') }],
      };
    };
    const loop = await runConsumerLoop({
      nc: nats.nc,
      stream: Streams.media,
      hop: hopUnderTest,
      handle,
      ackWaitMs: 5000,
      backlogPollMs: 0,
    });
    const cancelled = '00000000-0000-4000-8000-0000000000c1';
    const live = '00000000-0000-4000-8000-0000000000c2';
    try {
      await (await nats.js.views.kv(Buckets.cancelled)).put(cancelled, new Date().toISOString());
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(cancelled)), {
        msgID: messageId(cancelled, 'preprocess'),
      });
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(live)), { msgID: messageId(live, 'preprocess') });
      const out = parseEvent(Subjects.imageColorized, await nats.next('watch-out', 8000));
      assert.equal(out.mediaId, live);
    } finally {
      await loop.stop();
    }
    assert.deepEqual(handled, [live]);
    const info = await nats.jsm.consumers.info(Streams.media, hopUnderTest.consumer);
    assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0], 'the cancelled message was settled too');
    const colorized = await nats.jsm.streams.info(Streams.media, { subjects_filter: Subjects.imageColorized });
    assert.equal(colorized.state.subjects?.[Subjects.imageColorized], 1, 'nothing published for the cancelled item');
  });

  it('ends an item whose retries run out with RETRIES_EXHAUSTED at attempt = max deliver, and fails a re-published input anew', async () => {
    await nats.jsm.consumers.delete(Streams.media, hopUnderTest.consumer);
    await nats.jsm.streams.purge(Streams.media, { filter: Subjects.imagePreprocessed });
    const handle = async (): Promise<Outcome> => ({ kind: 'retry', reason: 'model server unavailable' });
    const loop = await runConsumerLoop({
      nc: nats.nc,
      stream: Streams.media,
      hop: hopUnderTest,
      handle,
      ackWaitMs: 5000,
      maxDeliver: 2,
      backlogPollMs: 0,
    });
    const id = '00000000-0000-4000-8000-0000000000e1';
    try {
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), { msgID: messageId(id, 'preprocess') });
      const failure = parseEvent(Subjects.mediaFailed, await nats.next('watch-failed', 8000));
      assert.deepEqual([failure.mediaId, failure.code, failure.stage, failure.attempt], [id, 'RETRIES_EXHAUSTED', hopUnderTest.stage, 2]);
      // As retryMedia does: the same input under a new msgID fails again, and that failure is not deduplicated away.
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), {
        msgID: `${messageId(id, 'preprocess')}:retry1`,
      });
      const again = parseEvent(Subjects.mediaFailed, await nats.next('watch-failed', 8000));
      assert.deepEqual([again.mediaId, again.code, again.attempt], [id, 'RETRIES_EXHAUSTED', 2]);
    } finally {
      await loop.stop();
    }
  });
});
