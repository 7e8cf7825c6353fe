import { connect, type ConnectionOptions } from 'nats';
import { Streams } from '@revive/contracts';
import { waitForMedia, type CallOptions } from './graphql-client.ts';

/** What the end-to-end fault and load tests read from an item once it has settled. */
export interface SettledMedia {
  id: string;
  status: string;
  originalUrl: string;
  resultUrl: string | null;
  error: { code: string; message: string; stage: string | null; attempt: number | null } | null;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED']);

/** Polls `media(id)` until the item is COMPLETED or FAILED; on timeout fails naming it and its last state. */
export async function waitForTerminal(url: string, id: string, call: CallOptions, timeoutMs = 120_000): Promise<SettledMedia> {
  const media = await waitForMedia<SettledMedia>(url, id, call, (m) => !!m && TERMINAL.has(m.status), {
    what: 'COMPLETED or FAILED',
    timeoutMs,
  });
  return media!;
}

/** One message of the media stream, as the audits read it. */
export interface StreamEvent {
  readonly seq: number;
  readonly subject: string;
  readonly mediaId: string;
  /** A video chunk event's chunk index; undefined for whole-item events. */
  readonly chunk: number | undefined;
  readonly msgId: string | undefined;
}

/** What one event is about: its subject, and its chunk for per-chunk video events. */
export const eventKey = (e: Pick<StreamEvent, 'subject' | 'chunk'>): string =>
  e.chunk === undefined ? e.subject : `${e.subject}#${e.chunk}`;

/** Reads the whole media stream (limits retention: every event since the stream was made) from its first message. */
export async function streamEvents(nats: ConnectionOptions): Promise<StreamEvent[]> {
  const nc = await connect(nats);
  const events: StreamEvent[] = [];
  try {
    const js = nc.jetstream();
    const consumer = await js.consumers.get(Streams.media);
    for (;;) {
      const m = await consumer.next({ expires: 1000 });
      if (!m) break;
      const payload = m.json() as { mediaId?: unknown; chunk?: { index?: unknown } };
      if (typeof payload.mediaId === 'string')
        events.push({
          seq: m.seq,
          subject: m.subject,
          mediaId: payload.mediaId,
          chunk: typeof payload.chunk?.index === 'number' ? payload.chunk.index : undefined,
          msgId: m.headers?.get('Nats-Msg-Id') || undefined,
        });
      if (m.info.pending === 0) break;
    }
  } finally {
    await nc.close();
  }
  return events;
}

/**
 * Counts the stream's events per item and per subject (per subject and chunk for video chunk
 * events, `subject#index`): `counts.get(id)` maps each to how many times it reached the stream.
 * JetStream's msgID dedupe keeps these at one for a redelivery that publishes the same msgID;
 * a count above one is an event published twice under different msgIDs.
 */
export async function eventCounts(nats: ConnectionOptions): Promise<Map<string, Map<string, number>>> {
  const counts = new Map<string, Map<string, number>>();
  for (const event of await streamEvents(nats)) {
    const perItem = counts.get(event.mediaId) ?? new Map<string, number>();
    perItem.set(eventKey(event), (perItem.get(eventKey(event)) ?? 0) + 1);
    counts.set(event.mediaId, perItem);
  }
  return counts;
}

/** The nearest-rank percentile of a list of numbers (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
