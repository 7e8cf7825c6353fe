// For the consumer-loop specs: the hop after preprocess as the loop under test, its input events,
// and a real nats-server with the media stream and two durables that watch what the loop publishes.
import assert from 'node:assert/strict';
import {
  AckPolicy,
  connect,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from 'nats';
import { FLOW, MEDIA_STREAM_SUBJECTS, messageId, Streams, Subjects, type EventOf } from '@revive/contracts';
import { startNatsServer } from '@revive/testing';
import { runConsumerLoop, type ConsumerLoopOptions } from './consumer-loop.ts';
import type { HandlerContext, Outcome } from './outcome.ts';

/** The hop the specs run: the stage that takes image.preprocessed, whichever the catalogue says it is. */
export const hopUnderTest = FLOW.image[1]! as (typeof FLOW.image)[1] & { consumes: typeof Subjects.imagePreprocessed };

const options = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 } as const;

/** A valid input for the hop under test. */
export const preprocessed = (mediaId: string): EventOf<typeof Subjects.imagePreprocessed> => ({
  mediaId,
  options,
  at: new Date().toISOString(),
  key: `media/${mediaId}/pre.png`,
  width: 8,
  height: 6,
  isMonochrome: true,
});

/** The hop's finished outcome for an input: its colorized event (under key `col.png`), keyed as the stage keys it. */
export const passedOn = (event: EventOf<typeof Subjects.imagePreprocessed>): Outcome => ({
  kind: 'done',
  next: [
    {
      subject: Subjects.imageColorized,
      payload: { ...event, key: `media/${event.mediaId}/col.png`, at: new Date().toISOString() },
      msgID: messageId(event.mediaId, 'colorize'),
    },
  ],
});

/** The loop under test on a fixture's connection: ack_wait 5 s unless given, no backlog gauges. */
export function runLoopUnderTest(
  nats: MediaStreamFixture,
  handle: (event: EventOf<typeof Subjects.imagePreprocessed>, context: HandlerContext) => Promise<Outcome>,
  options: Partial<ConsumerLoopOptions<typeof Subjects.imagePreprocessed>> = {},
): ReturnType<typeof runConsumerLoop> {
  return runConsumerLoop({ nc: nats.nc, stream: Streams.media, hop: hopUnderTest, handle, ackWaitMs: 5000, backlogPollMs: 0, ...options });
}

/** Durables without acks: `watch-out` sees image.colorized, `watch-failed` sees media.failed. */
export type WatchDurable = 'watch-out' | 'watch-failed';

/** A nats-server with the media stream; `stop` drains the connection and ends the server. */
export interface MediaStreamFixture {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The next message a watching durable sees, as JSON; fails the spec when none comes within `expiresMs`. */
  next(durable: WatchDurable, expiresMs?: number): Promise<unknown>;
  /**
   * The consumer's info once nothing is pending or unacknowledged, or as it stands after
   * `timeoutMs`: the server applies an ack or term after the client's flush returns (its
   * consumer works them off a queue of its own), so a spec reads until settled, within a bound.
   */
  settled(consumer: string, timeoutMs?: number): Promise<ConsumerInfo>;
  stop(): Promise<void>;
}

export async function startMediaStreamFixture(): Promise<MediaStreamFixture> {
  const server = await startNatsServer();
  let nc: NatsConnection | undefined;
  // Also run when setup fails halfway: the spec never gets a fixture to stop, and no server may outlive it.
  const stop = async () => {
    await nc?.drain();
    await server.stop();
  };
  try {
    nc = await connect({ servers: server.url });
    const js = nc.jetstream();
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
    await jsm.consumers.add(Streams.media, {
      durable_name: 'watch-failed',
      filter_subject: Subjects.mediaFailed,
      ack_policy: AckPolicy.None,
    });
    const next = async (durable: WatchDurable, expiresMs = 5000): Promise<unknown> => {
      const m = await (await js.consumers.get(Streams.media, durable)).next({ expires: expiresMs });
      assert.ok(m, `no message on ${durable}`);
      return m.json();
    };
    const settled = async (consumer: string, timeoutMs = 5000): Promise<ConsumerInfo> => {
      let info = await jsm.consumers.info(Streams.media, consumer);
      for (const deadline = Date.now() + timeoutMs; (info.num_pending || info.num_ack_pending) && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 50));
        info = await jsm.consumers.info(Streams.media, consumer);
      }
      return info;
    };
    return { nc, js, jsm, next, settled, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
