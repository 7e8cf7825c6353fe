import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { messageId, Streams, Subjects, type EventOf } from '@revive/contracts';
import {
  hopUnderTest,
  passedOn,
  preprocessed,
  runLoopUnderTest,
  startMediaStreamFixture,
  type MediaStreamFixture,
} from './consumer-loop.fixture.ts';
import { ensureConsumer } from './consumer-loop.ts';
import { handledDeliveries } from './handled-deliveries.ts';
import type { Outcome } from './outcome.ts';

const ACK_WAIT_MS = 1000;

describe('consumer loop: a redelivery whose ack was lost', () => {
  let nats: MediaStreamFixture;
  before(async () => {
    nats = await startMediaStreamFixture();
  });
  after(() => nats?.stop());

  /** Publishes an input and takes it as a replica that then dies unacked would: delivered once, never settled. */
  async function deliverAndAbandon(mediaId: string): Promise<number> {
    await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(mediaId)), { msgID: messageId(mediaId, 'preprocess') });
    const msg = await (await nats.js.consumers.get(Streams.media, hopUnderTest.consumer)).next({ expires: 5000 });
    assert.ok(msg, `${mediaId} was delivered`);
    assert.equal(msg.info.redeliveryCount, 1);
    return msg.seq;
  }

  /** A handler that notes each input and attempt it is given, and passes the input on. */
  function recordingHandler(): { handled: Array<[string, number]>; handle: Parameters<typeof runLoopUnderTest>[1] } {
    const handled: Array<[string, number]> = [];
    const handle = async (event: EventOf<typeof Subjects.imagePreprocessed>, ctx: { attempt: number }): Promise<Outcome> => {
      handled.push([event.mediaId, ctx.attempt]);
      return passedOn(event);
    };
    return { handled, handle };
  }

  /** Runs the loop until its consumer has nothing pending or unacknowledged, then stops it. */
  async function runUntilSettled(handle: Parameters<typeof runLoopUnderTest>[1], what: string): Promise<void> {
    const loop = await runLoopUnderTest(nats, handle, { ackWaitMs: ACK_WAIT_MS });
    try {
      const info = await nats.settled(hopUnderTest.consumer, 10_000);
      assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0], what);
    } finally {
      await loop.stop();
    }
  }

  it('acks an input recorded as handled without running the handler again, and handles one that was not', async () => {
    await ensureConsumer(nats.jsm, Streams.media, hopUnderTest, ACK_WAIT_MS, 5);
    const records = await handledDeliveries(nats.nc, hopUnderTest.consumer);
    // The first replica finished this one and stored its next event, but its ack never arrived.
    const finished = '00000000-0000-4000-8000-00000000000a';
    const finishedSeq = await deliverAndAbandon(finished);
    await records.record(finishedSeq, finished);
    // And died in the middle of this one.
    const unfinished = '00000000-0000-4000-8000-00000000000b';
    const unfinishedSeq = await deliverAndAbandon(unfinished);

    const { handled, handle } = recordingHandler();
    await runUntilSettled(handle, 'both redeliveries settled');
    assert.deepEqual(handled, [[unfinished, 2]], 'only the unfinished input was handled again');
    const out = (await nats.next('watch-out')) as { mediaId: string };
    assert.equal(out.mediaId, unfinished);
    const more = await (await nats.js.consumers.get(Streams.media, 'watch-out')).next({ expires: 1000 });
    assert.equal(more, null, 'nothing published for the input already handled');
    assert.equal(await records.wasHandled(unfinishedSeq), true, 'the loop recorded the input it handled');
    assert.equal(await records.wasHandled(finishedSeq + 1000), false);
  });

  it('does not handle again an input delivered anew with a count of 1 (its consumer re-created)', async () => {
    const { handled, handle } = recordingHandler();
    const id = '00000000-0000-4000-8000-00000000000c';
    await nats.js.publish(Subjects.imagePreprocessed, JSON.stringify(preprocessed(id)), { msgID: messageId(id, 'preprocess') });
    await runUntilSettled(handle, 'the input settled');
    // Deliver-all from the start: every input on the stream comes again, as a first delivery.
    await nats.jsm.consumers.delete(Streams.media, hopUnderTest.consumer);
    await runUntilSettled(handle, 'every input settled again');
    assert.deepEqual(handled, [[id, 1]], 'handled once, though delivered twice');
  });
});
