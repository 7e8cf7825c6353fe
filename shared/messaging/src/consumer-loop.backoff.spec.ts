import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { messageId, parseEvent, Streams, Subjects, type EventOf } from '@revive/contracts';
import { hopUnderTest, preprocessed, startMediaStreamFixture, type MediaStreamFixture } from './consumer-loop.fixture.ts';
import { maxAckPendingFor, runConsumerLoop } from './consumer-loop.ts';
import { retryDelayMs, type Outcome } from './outcome.ts';

describe('the retry schedule and the ack-pending bound', () => {
  it('naks after 1 s, 2 s, 4 s … doubling per attempt, never longer than 60 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 20].map(retryDelayMs), [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    assert.equal(retryDelayMs(0), 1000, 'an attempt number below 1 waits as the first');
  });

  it('leaves room for 32 deliveries per concurrent slot, never fewer than 64', () => {
    assert.deepEqual([1, 2, 3, 4, 16].map(maxAckPendingFor), [64, 64, 96, 128, 512]);
  });
});

describe('retries against a real JetStream', () => {
  let nats: MediaStreamFixture;
  before(async () => {
    nats = await startMediaStreamFixture();
  });
  after(() => nats?.stop());

  it('creates the consumer with that bound, redelivers a retryable failure after the scheduled delay, and fails it after max deliveries', async () => {
    const maxDeliver = 3;
    const concurrency = 3;
    const seen: Array<{ attempt: number; at: number }> = [];
    const handle = async (_event: EventOf<typeof Subjects.imagePreprocessed>, ctx: { attempt: number }): Promise<Outcome> => {
      seen.push({ attempt: ctx.attempt, at: performance.now() });
      return { kind: 'retry', reason: 'object store unavailable' };
    };
    const loop = await runConsumerLoop({
      nc: nats.nc,
      stream: Streams.media,
      hop: hopUnderTest,
      handle,
      ackWaitMs: 30_000,
      maxDeliver,
      concurrency,
      backlogPollMs: 0,
    });
    try {
      const info = await nats.jsm.consumers.info(Streams.media, hopUnderTest.consumer);
      assert.equal(info.config.max_ack_pending, maxAckPendingFor(concurrency), 'the consumer the loop created');
      assert.equal(info.config.max_deliver, maxDeliver);

      const id = '00000000-0000-4000-8000-0000000000b1';
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), { msgID: messageId(id, 'preprocess') });
      // Expected 1 s + 2 s of backoff; ack_wait is 30 s, so only the nak's delay can bring a redelivery this soon.
      const failure = parseEvent(Subjects.mediaFailed, await nats.next('watch-failed', 25_000));
      assert.deepEqual([failure.mediaId, failure.code, failure.attempt], [id, 'RETRIES_EXHAUSTED', maxDeliver]);
      assert.deepEqual(
        seen.map((s) => s.attempt),
        [1, 2, 3],
        'handled once per delivery, then termed',
      );
      for (const n of [1, 2]) {
        const gap = seen[n]!.at - seen[n - 1]!.at;
        // Generous bounds: the server redelivers no sooner than the delay, and well before ack_wait.
        assert.ok(
          gap >= retryDelayMs(n) * 0.9,
          `attempt ${n + 1} came ${Math.round(gap)} ms after attempt ${n}, before the ${retryDelayMs(n)} ms nak delay`,
        );
        assert.ok(gap < retryDelayMs(n) + 10_000, `attempt ${n + 1} came ${Math.round(gap)} ms after attempt ${n}`);
      }
    } finally {
      await loop.stop();
    }
    const info = await nats.settled(hopUnderTest.consumer);
    assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0], 'termed: nothing left to redeliver');
  });
});
