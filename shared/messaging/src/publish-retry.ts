import { ErrorCode, type JetStreamClient, type JetStreamPublishOptions, type PubAck } from 'nats';

/**
 * How long a publish keeps trying through a cluster's failover. A stream's new leader is elected
 * within a few seconds of the old one's loss and a client reconnects within a second or two; a
 * frozen (SIGSTOPped) leader is only declared lost after the Raft election timeout, so the bound
 * leaves room for that too.
 */
const PUBLISH_PATIENCE_MS = 45_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;
/** A stream at its limits (max_bytes, max_msgs, the server's storage): a refusal that waiting does not lift. */
const STREAM_FULL = /maximum (bytes|messages) exceeded|insufficient resources|resource limits exceeded/i;

/**
 * Answers to a JetStream request (a publish, a read, a stream or consumer call) that mean "not
 * now" rather than "no": nobody answered (no leader yet, or the client between servers), the
 * answer did not come in time, the connection dropped while the request was out, or a Raft
 * group answered 503 mid-election.
 */
export function isTransientNatsError(error: unknown): boolean {
  const e = error as { code?: string; api_error?: { code?: number; description?: string }; message?: string } | null;
  if (!e) return false;
  // A full stream also answers 503, but waiting does not empty it: the caller should hear it now.
  if (STREAM_FULL.test(`${e.api_error?.description ?? ''} ${e.message ?? ''}`)) return false;
  if (e.code === ErrorCode.NoResponders || e.code === ErrorCode.Timeout || e.code === ErrorCode.Disconnect) return true;
  if (e.api_error?.code === 503) return true;
  return /no responders|timeout|temporarily unavailable|no suitable peers/i.test(e.message ?? '');
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures (isTransientNatsError) with a
 * growing delay; anything else, or the patience run out, throws.
 */
export async function withTransientRetry<T>(attempt: () => Promise<T>, patienceMs = PUBLISH_PATIENCE_MS): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientNatsError(error) || Date.now() >= deadline) throw error;
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** tries);
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
    }
  }
}

/**
 * `js.publish` that rides through a cluster's failover: transient failures are retried with the
 * same msgID, so a publish that was in fact stored before its ack got lost is dropped as a
 * duplicate by the stream instead of stored twice.
 */
export function publishWithRetry(
  js: JetStreamClient,
  subject: string,
  data: string,
  options: Partial<JetStreamPublishOptions> & { msgID: string },
  patienceMs = PUBLISH_PATIENCE_MS,
): Promise<PubAck> {
  return withTransientRetry(() => js.publish(subject, data, options), patienceMs);
}
