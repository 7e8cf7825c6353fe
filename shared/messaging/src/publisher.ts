import type { JetStreamClient, MsgHdrs } from 'nats';
import { parseEvent, type EventOf, type Subject } from '@revive/contracts';
import { publishTraced } from './message-tracing.ts';

/** A publish JetStream did not store, or stored as a duplicate when that was not expected. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly retryable = true;
}

/**
 * Publishes one pipeline event: validated against its schema before it leaves (a producer bug
 * must not become every consumer's poison), with the msgID that makes redelivery idempotent.
 * The active trace context goes with it (traceparent header), so the stages continue the trace.
 * Returns whether JetStream stored it or dropped it as a duplicate.
 */
export async function publishEvent<S extends Subject>(
  js: JetStreamClient,
  subject: S,
  payload: EventOf<S>,
  msgID: string,
  headers?: MsgHdrs,
): Promise<{ duplicate: boolean; seq: number }> {
  const checked = parseEvent(subject, payload);
  try {
    const ack = await publishTraced(js, subject, JSON.stringify(checked), { msgID, headers, mediaId: checked.mediaId });
    return { duplicate: ack.duplicate, seq: ack.seq };
  } catch (cause) {
    throw new PublishError(`could not publish ${subject} (${msgID}): ${(cause as Error).message}`, { cause });
  }
}
