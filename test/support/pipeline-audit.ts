import { connect, type ConnectionOptions } from 'nats';
import { Streams } from '@revive/contracts';
import { query, MEDIA_FIELDS, type CallOptions } from './graphql-client.ts';

/** What the end-to-end fault and load tests read from an item once it has settled. */
export interface SettledMedia {
  id: string;
  status: string;
  originalUrl: string;
  resultUrl: string | null;
  error: { code: string; message: string; stage: string | null; attempt: number | null } | null;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED']);

/** Polls `media(id)` until the item is COMPLETED or FAILED; throws with its last state on timeout. */
export async function waitForTerminal(url: string, id: string, call: CallOptions, timeoutMs = 120_000): Promise<SettledMedia> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    // A gateway that is restarting refuses connections for a moment: keep polling.
    const response = await query<{ media: SettledMedia }>(
      url,
      `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} } }`,
      { id },
      call,
    ).catch((e: unknown) => ({ data: undefined, errors: [{ message: String(e) }] }));
    last = response;
    const media = response.data?.media;
    if (media && TERMINAL.has(media.status)) return media;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`media ${id} did not settle within ${timeoutMs} ms; last answer: ${JSON.stringify(last)}`);
}

/**
 * Reads the whole media stream and counts the events per item and subject: `counts.get(id)`
 * maps each subject to how many times it reached the stream for that item. Duplicates would
 * show up as counts above one.
 */
export async function eventCounts(nats: ConnectionOptions): Promise<Map<string, Map<string, number>>> {
  const nc = await connect(nats);
  const counts = new Map<string, Map<string, number>>();
  try {
    const js = nc.jetstream();
    const consumer = await js.consumers.get(Streams.media);
    for (;;) {
      const m = await consumer.next({ expires: 1000 });
      if (!m) break;
      const mediaId = (m.json() as { mediaId?: string }).mediaId;
      if (typeof mediaId !== 'string') continue;
      const perItem = counts.get(mediaId) ?? new Map<string, number>();
      perItem.set(m.subject, (perItem.get(m.subject) ?? 0) + 1);
      counts.set(mediaId, perItem);
      if (m.info.pending === 0) break;
    }
  } finally {
    await nc.close();
  }
  return counts;
}

/** The nearest-rank percentile of a list of numbers (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
