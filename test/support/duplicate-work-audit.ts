// "Nothing processed twice", checked where a duplicate would really show. Counting stream
// messages alone proves little: JetStream's msgID dedupe drops a redelivered item's second
// publish, so work done twice (a handler run again, its objects written again) never reaches
// the stream. These audits read the stages' own traces (each finished handling and each object
// write is a span, exported by the services as in production), the gateway's tables and the
// webhook POSTs a receiver saw.
import type { ConnectionOptions } from 'nats';
import postgres from 'postgres';
import { stagesOf, Subjects } from '@revive/contracts';
import { pollUntil } from './bounded-wait.ts';
import type { ReceivedSpan } from './otlp-receiver.ts';
import { eventKey, streamEvents, type StreamEvent } from './pipeline-audit.ts';

const MEDIA_ID = 'revive.media_id';
const STAGE = 'revive.stage';
const OUTCOME = 'revive.outcome';
const DELIVERY = 'messaging.nats.message.delivery_count';
const OBJECT_KEY = 'revive.object.key';

/** What the stages' traces say about the work done for a set of items. */
export interface WorkAudit {
  /** Finished handlings (outcome `done`) per stage, one per input message when nothing was done twice. */
  readonly handled: ReadonlyMap<string, number>;
  /** Handlings per stage that ran on a redelivered message (delivery count 2 or more). */
  readonly redelivered: ReadonlyMap<string, number>;
  /** Inputs a killed process had finished (its ack died with it) and a live one handled again. */
  readonly redoneAfterKill: number;
  /** Object writes counted per key (stage writes under finished handlings, and the gateway's). */
  readonly writes: number;
  /** One line per input handled twice or object written twice; empty when nothing was. */
  readonly problems: readonly string[];
}

/**
 * Audits the traces of items `ids` for work done twice. Each input message (told apart by its
 * producer's span, which a redelivery shares) may be handled to completion once; an object key
 * may be written once, by the gateway or under one finished handling. A process in `killedPids`
 * (SIGKILLed during the run) may have finished an item and died before acking it: the item is
 * then rightly handled again, and that first handling and its writes are set aside.
 */
export function auditWork(spans: readonly ReceivedSpan[], ids: Iterable<string>, killedPids: readonly number[] = []): WorkAudit {
  const items = new Set(ids);
  const killed = new Set(killedPids);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const handles = spans.filter((s) => s.name.endsWith(' handle') && items.has(String(s.attributes[MEDIA_ID])));
  const handled = new Map<string, number>();
  const redelivered = new Map<string, number>();
  const problems: string[] = [];
  /** Finished handlings whose work counts: all of them but a killed process's superseded one. */
  const counted = new Set<string>();
  let redoneAfterKill = 0;

  const finished = new Map<string, ReceivedSpan[]>();
  for (const h of handles) {
    const stage = String(h.attributes[STAGE]);
    if (Number(h.attributes[DELIVERY]) >= 2) redelivered.set(stage, (redelivered.get(stage) ?? 0) + 1);
    if (h.attributes[OUTCOME] !== 'done') continue;
    handled.set(stage, (handled.get(stage) ?? 0) + 1);
    // handle ← consume (this process) ← publish (the producer): redeliveries share the publish span.
    const consume = h.parentSpanId === undefined ? undefined : byId.get(h.parentSpanId);
    const input = `${stage} ${consume?.parentSpanId ?? `handling ${h.spanId}`}`;
    finished.set(input, [...(finished.get(input) ?? []), h]);
  }
  for (const [input, runs] of finished) {
    const live = runs.filter((h) => h.pid === undefined || !killed.has(h.pid));
    if (live.length > 1) {
      const producer = byId.get(input.split(' ')[1]!);
      const what = String(producer?.attributes['messaging.message.id'] ?? `${runs[0]!.attributes[MEDIA_ID]} ${input}`);
      problems.push(
        `${what} handled to completion ${live.length} times by ${runs[0]!.attributes[STAGE]} (deliveries ${live.map((h) => h.attributes[DELIVERY]).join(', ')})`,
      );
    }
    if (runs.length > 1 && live.length < runs.length) redoneAfterKill += 1;
    for (const h of live.length ? live : runs) counted.add(h.spanId);
  }

  // Each write belongs to the handling it ran under; one whose handling never finished (a retry, or a
  // process killed before its span was exported) was not work completed, and is not counted.
  const handlingOf = (span: ReceivedSpan): ReceivedSpan | 'none' | 'unknown' => {
    for (let s: ReceivedSpan | undefined = span; s;) {
      if (s.name.endsWith(' handle')) return s;
      if (s.parentSpanId === undefined) return 'none';
      s = byId.get(s.parentSpanId);
    }
    return 'unknown';
  };
  const writers = new Map<string, string[]>();
  for (const put of spans.filter((s) => s.name === 'object-store put')) {
    const key = String(put.attributes[OBJECT_KEY]);
    if (!items.has(key.split('/')[1] ?? '')) continue;
    const handling = handlingOf(put);
    const counts = typeof handling === 'object' ? counted.has(handling.spanId) : put.service === 'revive-gateway' && handling === 'none';
    if (counts)
      writers.set(key, [...(writers.get(key) ?? []), typeof handling === 'object' ? String(handling.attributes[STAGE]) : put.service]);
  }
  for (const [key, by] of writers) if (by.length > 1) problems.push(`${key} written ${by.length} times (by ${by.join(', ')})`);
  return { handled, redelivered, redoneAfterKill, writes: [...writers.values()].flat().length, problems };
}

/** How long the object-write count must stay unchanged before the traces count as complete. */
const WRITES_QUIET_MS = 2000;

/**
 * The image items' audit once their traces are in: the last image stage finished every item, and
 * the object-write count stopped growing. Each process exports its spans in batches of its own, so
 * an earlier stage's writes can reach the receiver after the last stage's handling; audited
 * sooner, a write whose handling is not in yet is not counted and a duplicate could slip by.
 * (Earlier stages need not show every item: a handling a killed process finished and recorded is
 * not redone, and its spans died with it.)
 */
export async function settledImageWorkAudit(
  spans: readonly ReceivedSpan[],
  ids: readonly string[],
  killedPids: readonly number[] = [],
  timeoutMs = 30_000,
): Promise<WorkAudit> {
  const last = stagesOf('image').at(-1)!;
  let writes = -1;
  let quietSince = Date.now();
  const state = await pollUntil(
    async () => {
      const audit = auditWork(spans, ids, killedPids);
      if (audit.writes !== writes) [writes, quietSince] = [audit.writes, Date.now()];
      return { audit, quiet: Date.now() - quietSince >= WRITES_QUIET_MS };
    },
    ({ audit, quiet }) => quiet && (audit.handled.get(last) ?? 0) >= ids.length,
    {
      what: `the ${last} stage's spans of all ${ids.length} items, and object writes to stop arriving`,
      timeoutMs,
      describe: ({ audit }) => `${last} handled ${audit.handled.get(last) ?? 0}; ${audit.writes} writes`,
    },
  );
  return state.audit;
}

/** Successful webhook POSTs a receiver got, per media id (the payload's `mediaId`). */
export type WebhookPosts = ReadonlyMap<string, number>;

/** What the stream and the gateway's tables hold for a set of items. */
export interface RecordsAudit {
  readonly events: number;
  readonly projected: number;
  readonly failures: number;
  readonly deliveries: number;
  /** One line per event, projection row, failure row or webhook recorded or sent twice (or an event never projected). */
  readonly problems: readonly string[];
}

/**
 * Audits the media stream and the gateway's records of items `ids`: each event (per subject, and
 * per chunk for video) on the stream once; each projected exactly once (`projected_events` rows
 * are the item's stream sequences, one each); each `media.failed` event one `media_failures` row;
 * at most one successful delivery per item in `webhook_deliveries`, none of its attempts twice,
 * and, when `posts` is given, as many successful POSTs received as successful deliveries recorded.
 */
export async function auditRecords(options: {
  nats: ConnectionOptions;
  databaseUrl: string;
  ids: Iterable<string>;
  posts?: WebhookPosts;
}): Promise<RecordsAudit> {
  const ids = [...new Set(options.ids)];
  const items = new Set(ids);
  const events = (await streamEvents(options.nats)).filter((e) => items.has(e.mediaId));
  const problems: string[] = [];
  const seen = new Map<string, StreamEvent>();
  for (const e of events) {
    const key = `${e.mediaId} ${eventKey(e)}`;
    const first = seen.get(key);
    if (first) problems.push(`${key} reached the stream twice (seq ${first.seq} msgID ${first.msgId}; seq ${e.seq} msgID ${e.msgId})`);
    else seen.set(key, e);
  }
  const bySeq = new Map(events.map((e) => [String(e.seq), e]));

  const sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const projected = await sql<{ media_id: string; event_id: string; subject: string }[]>`
      SELECT media_id, event_id, subject FROM projected_events WHERE media_id = ANY(${ids}::uuid[])`;
    const projectedSeqs = new Set<string>();
    for (const row of projected) {
      const e = bySeq.get(row.event_id);
      if (!e || e.mediaId !== row.media_id || e.subject !== row.subject)
        problems.push(`projected_events ${row.media_id} ${row.subject} (event ${row.event_id}) is no event of that item on the stream`);
      projectedSeqs.add(row.event_id);
    }
    for (const e of events)
      if (!projectedSeqs.has(String(e.seq))) problems.push(`${e.mediaId} ${eventKey(e)} (seq ${e.seq}) was never projected`);

    const failures = await sql<{ media_id: string; stage: string; code: string; attempt: number; at: Date; retry: number; n: number }[]>`
      SELECT media_id, stage, code, attempt, at, retry, count(*)::int AS n FROM media_failures
      WHERE media_id = ANY(${ids}::uuid[]) GROUP BY media_id, stage, code, attempt, at, retry`;
    const failedEvents = new Map<string, number>();
    for (const e of events) if (e.subject === Subjects.mediaFailed) failedEvents.set(e.mediaId, (failedEvents.get(e.mediaId) ?? 0) + 1);
    const failureRows = new Map<string, number>();
    for (const f of failures) {
      failureRows.set(f.media_id, (failureRows.get(f.media_id) ?? 0) + f.n);
      if (f.n > 1) problems.push(`media_failures ${f.media_id} ${f.stage} ${f.code} attempt ${f.attempt} recorded ${f.n} times`);
    }
    for (const id of ids)
      if ((failureRows.get(id) ?? 0) !== (failedEvents.get(id) ?? 0))
        problems.push(`${id}: ${failureRows.get(id) ?? 0} media_failures rows for ${failedEvents.get(id) ?? 0} media.failed events`);

    const deliveries = await sql<{ media_id: string; attempt: number; http_status: number | null }[]>`
      SELECT media_id, attempt, http_status FROM webhook_deliveries WHERE media_id = ANY(${ids}::uuid[]) ORDER BY id`;
    const attempts = new Set<string>();
    const delivered = new Map<string, number>();
    for (const d of deliveries) {
      const attempt = `${d.media_id} attempt ${d.attempt}`;
      if (attempts.has(attempt)) problems.push(`webhook_deliveries ${attempt} recorded twice`);
      attempts.add(attempt);
      if (d.http_status !== null && d.http_status >= 200 && d.http_status < 300)
        delivered.set(d.media_id, (delivered.get(d.media_id) ?? 0) + 1);
    }
    for (const [id, n] of delivered) if (n > 1) problems.push(`${id}'s webhook delivered ${n} times (webhook_deliveries)`);
    for (const id of options.posts ? ids : []) {
      const received = options.posts!.get(id) ?? 0;
      if (received > 1) problems.push(`${id}'s webhook POSTed ${received} times`);
      if (received !== (delivered.get(id) ?? 0))
        problems.push(`${id}: ${received} webhook POSTs received, ${delivered.get(id) ?? 0} successful deliveries recorded`);
    }
    return { events: events.length, projected: projected.length, failures: failures.length, deliveries: deliveries.length, problems };
  } finally {
    await sql.end();
  }
}
