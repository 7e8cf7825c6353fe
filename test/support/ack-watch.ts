import { connect, type ConnectionOptions } from 'nats';

/** One reply a stage sent to a JetStream delivery, as the ack subject and payload tell it. */
export interface SeenAck {
  /** `+ACK` (done), `+WPI` (working: a heartbeat), `-NAK` (retry), `+TERM` (given up). */
  readonly kind: string;
  /** Which delivery of the message this reply answers: 1 the first, 2 the first redelivery… */
  readonly deliveryCount: number;
  readonly streamSeq: number;
}

/**
 * Listens to the replies the stages send for one durable consumer's deliveries. JetStream puts
 * the delivery count and stream sequence in each delivery's reply subject
 * (`$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.…`, with domain and account hash
 * first in the newer form), and an ack is a plain publish to it: any subscriber sees it, so a
 * test can tell which delivery of a message a stage finally acknowledged.
 */
export async function watchAcks(
  nats: ConnectionOptions,
  stream: string,
  consumer: string,
): Promise<{ readonly acks: readonly SeenAck[]; close(): Promise<void> }> {
  const nc = await connect(nats);
  const acks: SeenAck[] = [];
  const sub = nc.subscribe('$JS.ACK.>', {
    callback: (error, m) => {
      if (error) return;
      const tokens = m.subject.split('.');
      // The old form has 9 tokens; the new one inserts domain and account hash after ACK.
      const at = tokens.length === 9 ? 2 : 4;
      if (tokens[at] !== stream || tokens[at + 1] !== consumer) return;
      const payload = new TextDecoder().decode(m.data);
      acks.push({
        kind: payload.split(' ')[0] || '+ACK',
        deliveryCount: Number(tokens[at + 2]),
        streamSeq: Number(tokens[at + 3]),
      });
    },
  });
  await nc.flush();
  return {
    acks,
    async close() {
      sub.unsubscribe();
      await nc.close();
    },
  };
}
