import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { FLOW, messageId, Streams, Subjects, type EventOf } from '@revive/contracts';
import { startNatsServer, type RunningNatsServer } from '@revive/local-services';
import { pollUntil } from './support/bounded-wait.ts';
import { ensureMediaStream, publishEvent, runConsumerLoop, type HandlerContext, type Outcome } from '@revive/messaging';

// Issue 27, missing test 2: the consumer loop's working() heartbeat is what keeps a long handler's
// message from being redelivered to another replica after ack_wait. A broken heartbeat would not
// show in the stream (the second replica's output carries the same msgID and JetStream drops it),
// so this counts what would really repeat: deliveries, and handler runs.

/** The hop after preprocess, whichever stage the catalogue says takes image.preprocessed. */
const hop = FLOW.image[1]! as (typeof FLOW.image)[1] & { consumes: typeof Subjects.imagePreprocessed };
const ACK_WAIT_MS = 2_000;
/** More than three times ack_wait: without heartbeats the message would come back at least twice meanwhile. */
const HANDLER_MS = 3.25 * ACK_WAIT_MS;

describe('heartbeats: a handler running three times longer than ack_wait is delivered once (real nats-server, the shared consumer loop)', () => {
  let server: RunningNatsServer;
  let nc: NatsConnection;

  before(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await ensureMediaStream(await nc.jetstreamManager());
  });
  after(async () => {
    await nc?.drain();
    await server?.stop();
  });

  it('keeps delivery_count at 1 and runs the handler once, with an idle second replica ready to take a redelivery', async () => {
    const mediaId = randomUUID();
    const runs: Array<{ replica: string; deliveryCount: number }> = [];
    const errors: unknown[] = [];
    let finished!: () => void;
    const firstRunDone = new Promise<void>((r) => (finished = r));
    const handlerOf =
      (replica: string) =>
      async (event: EventOf<typeof Subjects.imagePreprocessed>, ctx: HandlerContext): Promise<Outcome> => {
        // ctx.attempt is the delivery's msg.info.redeliveryCount, JetStream's delivery_count.
        runs.push({ replica, deliveryCount: ctx.attempt });
        await sleep(HANDLER_MS, undefined, { signal: ctx.signal });
        finished();
        return {
          kind: 'done',
          next: [
            {
              subject: Subjects.imageColorized,
              payload: { ...event, key: `media/${event.mediaId}/colorized.png`, at: new Date().toISOString() },
              msgID: messageId(event.mediaId, hop.stage),
            },
          ],
        };
      };
    // Two replicas of the stage, one message each at a time: a redelivery would go to the idle one at once.
    const loops = await Promise.all(
      ['a', 'b'].map((replica) =>
        runConsumerLoop({
          nc,
          stream: Streams.media,
          hop,
          handle: handlerOf(replica),
          ackWaitMs: ACK_WAIT_MS,
          maxDeliver: 5,
          backlogPollMs: 0,
          onError: (e) => errors.push(e),
        }),
      ),
    );
    try {
      const input: EventOf<typeof Subjects.imagePreprocessed> = {
        mediaId,
        options: { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 },
        at: new Date().toISOString(),
        key: `media/${mediaId}/preprocessed.png`,
        width: 8,
        height: 6,
        isMonochrome: true,
      };
      await publishEvent(nc.jetstream(), Subjects.imagePreprocessed, input, messageId(mediaId, 'preprocess'));
      await Promise.race([
        firstRunDone,
        sleep(HANDLER_MS + 60_000).then(() => assert.fail(`the handler never finished ${mediaId}; runs so far ${JSON.stringify(runs)}`)),
      ]);
      const jsm = await nc.jetstreamManager();
      // The ack reaches the server just after the handler returns: read until settled, within a bound.
      const info = await pollUntil(
        () => jsm.consumers.info(Streams.media, hop.consumer),
        (i) => !i.num_pending && !i.num_ack_pending,
        {
          what: `the message of ${mediaId} to be acked`,
          timeoutMs: 15_000,
          intervalMs: 100,
          describe: (i) => `${i.num_pending} pending, ${i.num_ack_pending} unacknowledged`,
        },
      );
      assert.deepEqual(
        [info.num_pending, info.num_ack_pending],
        [0, 0],
        `the message of ${mediaId} was acked; consumer ${JSON.stringify(info)}`,
      );
      assert.deepEqual(
        runs.map((r) => r.deliveryCount),
        [1],
        `the handler ran once, on the first delivery; runs ${JSON.stringify(runs)}`,
      );
      assert.equal(info.num_redelivered, 0, 'JetStream redelivered nothing');
      assert.equal(info.delivered.consumer_seq, 1, 'one delivery in all');
      const output = await jsm.streams.getMessage(Streams.media, { last_by_subj: Subjects.imageColorized });
      assert.equal(output.json<{ mediaId: string }>().mediaId, mediaId, 'the output event was published');
      assert.deepEqual(errors, [], 'the loops reported no errors');
    } finally {
      await Promise.all(loops.map((l) => l.stop()));
    }
  });
});
