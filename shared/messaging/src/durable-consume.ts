import { ConsumerEvents, Events, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';

export interface DurableConsumeOptions {
  readonly nc: NatsConnection;
  readonly stream: string;
  readonly consumer: string;
  /** Pull batch size: messages the server may hand this process ahead of `admit`. */
  readonly maxMessages: number;
  /** Creates (or updates) the durable consumer; run again before a consume is re-opened. */
  readonly ensure: () => Promise<void>;
  /** Messages handled at once by this process; the next is read only when one finishes. */
  readonly concurrency: number;
  /**
   * Messages with the same key are handled one after another, in stream order (an item's
   * events, say); different keys run side by side. Without it, any message runs beside any other.
   */
  readonly orderKey?: (msg: JsMsg) => string;
  /** Handles and settles (acks, naks or terms) one message. */
  readonly handle: (msg: JsMsg) => Promise<void>;
  /** Told when `handle` threw instead of settling its message (the message is then redelivered after ack_wait). */
  readonly onHandleError: (error: unknown, msg: JsMsg) => void;
  /** Told each time consuming was interrupted and is about to be re-opened. */
  readonly onInterrupted: (error: unknown) => void;
}

/**
 * The server sends an idle heartbeat this often while a pull waits; two missed ones make the
 * client check its consumer. nats.js's default (half the 30 s pull expiry) notices a deleted
 * consumer only after 30 s; 5 s costs a few bytes a second per consumer and notices in 10 s.
 */
const IDLE_HEARTBEAT_MS = 5_000;

/** Idle heartbeats missed in a row after which a consume is taken for dead and re-opened. */
const MISSED_HEARTBEATS_LIMIT = 2;

/** The longest wait between two attempts to re-open a consume that keeps failing. */
const MAX_REOPEN_DELAY_MS = 15_000;

/**
 * The one consumer loop under every JetStream reader (each stage, the gateway's projection):
 * reads a durable pull consumer for as long as the process wants it and handles its messages
 * with bounded concurrency, never as unbounded fire-and-forget. nats.js's `consume()` rides
 * through reconnects, but it ends for good on some server answers (the consumer or the stream
 * deleted and re-created, a 400 to a pull request), and a loop over it would then sit idle in a
 * live process while the backlog grows. Here an end nobody asked for is reported, the consumer
 * ensured again and a fresh consume opened, with a growing delay while it fails. `stop()` ends
 * the reading and waits for the messages in hand.
 *
 * On a JetStream cluster a consume can also go quiet without ending: when the consumer's leader
 * is lost (its server killed or frozen) the pull requests waiting there are gone, and nats.js
 * finds out only from missed heartbeats, then re-checks the consumer with a 30 s back-off while
 * the new leader is elected (and after a reconnect it may never resume its heartbeat check).
 * Work would stall for half a minute or more. So a consume that misses its heartbeats, or whose
 * connection moved to another server, is stopped here and re-opened at once.
 */
export function consumeDurable(options: DurableConsumeOptions): { stop(): Promise<void> } {
  const js = options.nc.jetstream();
  const inFlight = new Set<Promise<void>>();
  const chains = new Map<string, Promise<void>>();

  async function admit(msg: JsMsg): Promise<void> {
    const key = options.orderKey?.(msg);
    const previous = key === undefined ? undefined : chains.get(key);
    const task: Promise<void> = (previous ?? Promise.resolve())
      .then(() => options.handle(msg))
      .catch((error: unknown) => options.onHandleError(error, msg))
      .finally(() => {
        inFlight.delete(task);
        if (key !== undefined && chains.get(key) === task) chains.delete(key);
      });
    inFlight.add(task);
    if (key !== undefined) chains.set(key, task);
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
  }

  let stopping = false;
  let current: ConsumerMessages | undefined;
  /** Why the current consume was stopped to be re-opened (not a `stop()`). */
  let restartReason: string | undefined;
  const restart = (consume: ConsumerMessages, reason: string) => {
    if (stopping || consume !== current || restartReason) return;
    restartReason = reason;
    consume.stop();
  };
  void (async () => {
    for await (const status of options.nc.status()) {
      if (stopping) break;
      if (status.type === Events.Reconnect && current) restart(current, `the connection moved to ${String(status.data)}`);
    }
  })();
  const watchHeartbeats = async (consume: ConsumerMessages) => {
    for await (const status of await consume.status()) {
      if (status.type === ConsumerEvents.HeartbeatsMissed && Number(status.data) >= MISSED_HEARTBEATS_LIMIT)
        return restart(consume, `${String(status.data)} idle heartbeats missed`);
    }
  };
  let wakeFromDelay: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeFromDelay = () => (clearTimeout(timer), resolve());
    });

  const done = (async () => {
    let failures = 0;
    while (!stopping) {
      try {
        const consumer = await js.consumers.get(options.stream, options.consumer);
        // Missing consumer or stream: end the iterator with the error instead of polling `info` forever.
        restartReason = undefined;
        current = await consumer.consume({
          max_messages: options.maxMessages,
          idle_heartbeat: IDLE_HEARTBEAT_MS,
          abort_on_missing_resource: true,
        });
        void watchHeartbeats(current).catch(() => undefined);
        if (stopping) {
          current.stop();
          break;
        }
        for await (const msg of current) {
          failures = 0;
          await admit(msg);
        }
        if (stopping) break;
        throw new Error(`consume of ${options.consumer} ${restartReason ? `re-opened: ${restartReason}` : 'ended without being stopped'}`);
      } catch (error) {
        if (stopping) break;
        options.onInterrupted(error);
        await pause(Math.min(MAX_REOPEN_DELAY_MS, 250 * 2 ** failures++));
        if (stopping) break;
        await options.ensure().catch(options.onInterrupted);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      wakeFromDelay?.();
      current?.stop();
      await done;
      await Promise.allSettled([...inFlight]);
    },
  };
}
