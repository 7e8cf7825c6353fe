import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { messageId, parseEvent, Streams, Subjects, type EventOf } from '@revive/contracts';
import { hopUnderTest, passedOn, preprocessed, startMediaStreamFixture, type MediaStreamFixture } from './consumer-loop.fixture.ts';
import { ConsumeInterruptedError, runConsumerLoop } from './consumer-loop.ts';
import type { Outcome } from './outcome.ts';

describe('consumer loop against a real JetStream', () => {
  let nats: MediaStreamFixture;
  before(async () => {
    nats = await startMediaStreamFixture();
  });
  after(() => nats?.stop());

  it('publishes the next event, retries a retryable failure, and rejects poison input with a failure event', async () => {
    const attempts = new Map<string, number>();
    const handle = async (event: EventOf<typeof Subjects.imagePreprocessed>, ctx: { attempt: number }): Promise<Outcome> => {
      attempts.set(event.mediaId, ctx.attempt);
      if (event.mediaId.endsWith('2') && ctx.attempt === 1) throw Object.assign(new Error('object store unavailable'), { retryable: true });
      return passedOn(event);
    };
    const loop = await runConsumerLoop({ nc: nats.nc, stream: Streams.media, hop: hopUnderTest, handle, ackWaitMs: 5000 });
    try {
      const ok = '00000000-0000-4000-8000-000000000001';
      const flaky = '00000000-0000-4000-8000-000000000002';
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(ok)), { msgID: messageId(ok, 'preprocess') });
      const out1 = parseEvent(Subjects.imageColorized, await nats.next('watch-out'));
      assert.deepEqual([out1.mediaId, out1.key], [ok, `media/${ok}/col.png`]);

      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(flaky)), { msgID: messageId(flaky, 'preprocess') });
      const out2 = parseEvent(Subjects.imageColorized, await nats.next('watch-out'));
      assert.equal(out2.mediaId, flaky);
      assert.equal(attempts.get(flaky), 2, 'succeeded on the redelivery');

      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify({ mediaId: '00000000-0000-4000-8000-000000000003', width: -1 }));
      const failure = parseEvent(Subjects.mediaFailed, await nats.next('watch-failed'));
      assert.deepEqual([failure.code, failure.stage, failure.kind], ['INVALID_EVENT', hopUnderTest.stage, 'image']);
      assert.match(failure.message, /width/);
    } finally {
      await loop.stop();
    }
    const info = await nats.settled(hopUnderTest.consumer);
    assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0], 'every message settled');
  });

  it('keeps taking work when its durable consumer is deleted under it: re-creates it and re-opens the consume', async () => {
    const interruptions: unknown[] = [];
    const handle = async (event: EventOf<typeof Subjects.imagePreprocessed>): Promise<Outcome> => passedOn(event);
    const loop = await runConsumerLoop({
      nc: nats.nc,
      stream: Streams.media,
      hop: hopUnderTest,
      handle,
      ackWaitMs: 5000,
      onError: (e) => interruptions.push(e),
    });
    try {
      // An operator's `nats consumer rm`, or a stream re-created by a deploy: nats.js ends the consume for good.
      await nats.jsm.consumers.delete(Streams.media, hopUnderTest.consumer);
      const id = '00000000-0000-4000-8000-000000000011';
      // Published once the consumer exists again (it starts from the stream's head, DeliverPolicy.All, and
      // would also find this one), so the spec proves the loop took up work, not that it replayed history.
      const deadline = Date.now() + 20_000;
      while (!(await nats.jsm.consumers.info(Streams.media, hopUnderTest.consumer).catch(() => null))) {
        assert.ok(
          Date.now() < deadline,
          `the consumer was not re-created within 20 s; loop errors: ${interruptions.map(String).join('; ')}`,
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), { msgID: messageId(id, 'preprocess') });
      let out: EventOf<typeof Subjects.imageColorized> | undefined;
      while (out?.mediaId !== id) out = parseEvent(Subjects.imageColorized, await nats.next('watch-out', 20_000));
      assert.ok(
        interruptions.some((e) => e instanceof ConsumeInterruptedError),
        'the interruption was reported',
      );
    } finally {
      await loop.stop();
    }
  });
});
