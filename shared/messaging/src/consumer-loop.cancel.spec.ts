import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Buckets, messageId, parseEvent, Streams, Subjects, type EventOf } from '@revive/contracts';
import {
  hopUnderTest,
  passedOn,
  preprocessed,
  runLoopUnderTest,
  startMediaStreamFixture,
  type MediaStreamFixture,
} from './consumer-loop.fixture.ts';
import { runConsumerLoop } from './consumer-loop.ts';
import type { HandlerContext, Outcome } from './outcome.ts';

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
      return passedOn(event);
    };
    const loop = await runLoopUnderTest(nats, handle);
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

  it('aborts a running handler when its item is cancelled: the work stops, nothing is published, the message is acked', async () => {
    await nats.jsm.consumers.delete(Streams.media, hopUnderTest.consumer);
    await nats.jsm.streams.purge(Streams.media, { filter: Subjects.imagePreprocessed });
    const id = '00000000-0000-4000-8000-0000000000c3';
    let cancelledAt = 0;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let stoppedAfterMs: number | undefined;
    const handle = async (event: EventOf<typeof Subjects.imagePreprocessed>, ctx: HandlerContext): Promise<Outcome> => {
      started();
      // Tile after tile, as an engine works, checking the signal between them.
      for (let tile = 0; tile < 1000; tile++) {
        await new Promise((r) => setTimeout(r, 20));
        if (ctx.signal.aborted) {
          stoppedAfterMs = Date.now() - cancelledAt;
          ctx.signal.throwIfAborted();
        }
      }
      return passedOn(event);
    };
    const loop = await runLoopUnderTest(nats, handle);
    try {
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), { msgID: messageId(id, 'preprocess') });
      await running;
      cancelledAt = Date.now();
      await (await nats.js.views.kv(Buckets.cancelled)).put(id, new Date().toISOString());
      for (let i = 0; i < 100 && stoppedAfterMs === undefined; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(stoppedAfterMs !== undefined && stoppedAfterMs < 1000, `the handler saw the cancel (after ${stoppedAfterMs} ms)`);
      for (let i = 0; i < 50; i++) {
        const info = await nats.jsm.consumers.info(Streams.media, hopUnderTest.consumer);
        if (info.num_pending + info.num_ack_pending === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await loop.stop();
    }
    const info = await nats.jsm.consumers.info(Streams.media, hopUnderTest.consumer);
    assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0], 'acked, not left for redelivery');
    const colorized = await nats.jsm.streams.info(Streams.media, { subjects_filter: Subjects.imageColorized });
    assert.equal(
      colorized.state.subjects?.[Subjects.imageColorized],
      1,
      "nothing published for the cancelled item (the one is the first test's)",
    );
    const failed = await nats.jsm.streams.info(Streams.media, { subjects_filter: Subjects.mediaFailed });
    assert.equal(failed.state.subjects?.[Subjects.mediaFailed] ?? 0, 0, 'a cancel is not a failure');
  });

  it('fails an item whose result would break the output limits before its handler runs', async () => {
    await nats.jsm.consumers.delete(Streams.media, hopUnderTest.consumer);
    await nats.jsm.streams.purge(Streams.media, { filter: Subjects.imagePreprocessed });
    let handled = 0;
    const loop = await runConsumerLoop({
      nc: nats.nc,
      stream: Streams.media,
      hop: hopUnderTest,
      handle: async () => {
        handled++;
        return { kind: 'retry', reason: 'not expected' };
      },
      ackWaitMs: 5000,
      backlogPollMs: 0,
      outputLimits: { image: { maxOutputPixels: 2 ** 28 }, video: { maxOutputPixels: 3840 * 2160, maxTotalPixels: 1e10 } },
    });
    const id = '00000000-0000-4000-8000-0000000000d1';
    try {
      const huge = { ...preprocessed(id), width: 16000, height: 16000, options: { ...preprocessed(id).options, scale: 4 } };
      await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(huge), { msgID: messageId(id, 'preprocess') });
      const failure = parseEvent(Subjects.mediaFailed, await nats.next('watch-failed', 8000));
      assert.deepEqual([failure.mediaId, failure.code, failure.stage], [id, 'OUTPUT_TOO_LARGE', hopUnderTest.stage]);
      assert.match(failure.message, /64000x64000/);
    } finally {
      await loop.stop();
    }
    assert.equal(handled, 0);
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
