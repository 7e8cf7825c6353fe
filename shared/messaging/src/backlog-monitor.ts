import type { JetStreamManager } from 'nats';
import type { Hop } from '@revive/contracts';
import { forgetBacklog, recordBacklog } from '@revive/telemetry';

/**
 * Reads a stage consumer's backlog from JetStream every `intervalMs` for the queue-depth gauges.
 * Polled rather than read at scrape time so a slow or absent NATS never stalls a metrics export;
 * while NATS is unreachable the last reading stands. Returns a function that stops it.
 */
export function monitorBacklog(jsm: JetStreamManager, stream: string, hop: Hop, intervalMs: number): () => void {
  const poll = async () => {
    try {
      const info = await jsm.consumers.info(stream, hop.consumer);
      recordBacklog({ stage: hop.stage, consumer: hop.consumer, pending: info.num_pending, ackPending: info.num_ack_pending });
    } catch {
      // Reconnecting: the loop's own error handling reports NATS trouble; the gauge keeps its value.
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    forgetBacklog(hop.stage, hop.consumer);
  };
}
