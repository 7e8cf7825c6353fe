import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { NatsConnection } from 'nats';
import { enhanceOptionsSchema, FLOW, messageId, Streams, Subjects, type EventOf } from '@revive/contracts';
import { connectNats, ensureMediaStream, publishEvent, runConsumerLoop, type HandlerContext } from '@revive/messaging';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { buildBenchStages, type BenchStages } from './bench-stages.ts';

/** Per-hop latencies (ms) in flow order, and items per second, of one way of running the stages. */
export interface PipelineRun {
  readonly hopMs: readonly number[][];
  readonly itemsPerSecond: number;
}

export interface PipelineBenchResult {
  readonly hops: readonly string[];
  readonly inProcess: PipelineRun;
  readonly choreography: PipelineRun;
}

const imageHops = FLOW.image;
// The bench measures the bus, not the models: every stage hands the item on after little work of
// its own (scale 1, no colorizing, no repair), so what each hop adds shows.
const BENCH_OPTIONS = enhanceOptionsSchema.parse({ scale: 1, colorize: 'off', repair: 'off' });

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function uploadItems(store: ObjectStore, count: number, side: number): Promise<Array<EventOf<typeof Subjects.imageUploaded>>> {
  const items = [];
  for (let i = 0; i < count; i++) {
    const mediaId = randomUUID();
    const bytes = await sharp({ create: { width: side, height: side, channels: 3, background: { r: (i * 37) % 256, g: 90, b: 160 } } })
      .jpeg()
      .toBuffer();
    const originalKey = `media/${mediaId}/original.jpg`;
    await store.put(originalKey, bytes, { contentType: 'image/jpeg' });
    items.push({
      mediaId,
      options: BENCH_OPTIONS,
      at: new Date().toISOString(),
      originalKey,
      filename: 'bench.jpg',
      contentType: 'image/jpeg',
      bytes: bytes.length,
    });
  }
  return items;
}

const ctxFor = (stage: (typeof imageHops)[number]['stage']): HandlerContext => ({
  stage,
  attempt: 1,
  signal: new AbortController().signal,
  heartbeat: () => undefined,
  progress: () => undefined,
});

/** The same handlers called one after another in this process: the floor any choreography adds to. */
async function runInProcess(stages: BenchStages, items: ReadonlyArray<EventOf<typeof Subjects.imageUploaded>>): Promise<PipelineRun> {
  const hopMs: number[][] = imageHops.map(() => []);
  const started = performance.now();
  for (const item of items) {
    let event: unknown = item;
    for (const [i, hop] of imageHops.entries()) {
      const t0 = performance.now();
      const outcome = await stages.handlerOf(hop)(event, ctxFor(hop.stage));
      hopMs[i]!.push(performance.now() - t0);
      if (outcome.kind !== 'done') throw new Error(`${hop.stage} did not finish a bench item: ${JSON.stringify(outcome)}`);
      event = outcome.next[0]!.payload;
    }
  }
  return { hopMs, itemsPerSecond: items.length / ((performance.now() - started) / 1000) };
}

/** Per item: stream timestamps of each event in flow order (uploaded … published), from JetStream. */
async function eventTimes(nc: NatsConnection, ids: ReadonlySet<string>): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>();
  const consumer = await nc.jetstream().consumers.get(Streams.media);
  const order = [imageHops[0]!.consumes, ...imageHops.map((h) => h.emits)];
  for (;;) {
    const m = await consumer.next({ expires: 1000 });
    if (!m) break;
    const id = (m.json() as { mediaId: string }).mediaId;
    const index = order.indexOf(m.subject as (typeof order)[number]);
    if (!ids.has(id) || index < 0) continue;
    const row = times.get(id) ?? [];
    row[index] = m.info.timestampNanos / 1e6;
    times.set(id, row);
  }
  return times;
}

/**
 * The same handlers behind their JetStream consumer loops (one per stage, as the services run
 * them), fed by publishing `image.uploaded`. Latency is one item at a time; throughput is all at once.
 */
async function runChoreography(
  bus: BusSettings,
  stages: BenchStages,
  latencyItems: ReadonlyArray<EventOf<typeof Subjects.imageUploaded>>,
  throughputItems: ReadonlyArray<EventOf<typeof Subjects.imageUploaded>>,
): Promise<PipelineRun> {
  const settings = { url: bus.natsUrl, servers: bus.natsUrl.split(',') };
  const nc = await connectNats(settings, 'bench');
  await ensureMediaStream(await nc.jetstreamManager(), bus.streamReplicas ?? 1);
  // Each replica its own connection (as its own process would have: on a cluster, to a server of its own choosing).
  const replicaConnections = await Promise.all(
    Array.from({ length: bus.replicasPerStage ?? 1 }, (_, i) => (i === 0 ? nc : connectNats(settings, 'bench'))),
  );
  // The image hops only, through the very loop every stage service runs; started one after another,
  // as services boot, rather than as one burst of consumer updates at the cluster.
  const loops: Array<{ stop(): Promise<void> }> = [];
  for (const replicaNc of replicaConnections)
    for (const hop of imageHops)
      loops.push(
        await runConsumerLoop({
          nc: replicaNc,
          stream: Streams.media,
          hop,
          handle: stages.handlerOf(hop),
          concurrency: 1,
          ackWaitMs: 30_000,
          maxDeliver: 3,
          bucketReplicas: bus.streamReplicas,
        }),
      );
  const js = nc.jetstream();
  const published = new Set<string>();
  const sub = nc.subscribe(Subjects.imagePublished, { callback: (_e, m) => published.add((m.json() as { mediaId: string }).mediaId) });
  const waitFor = async (ids: readonly string[]) => {
    while (!ids.every((id) => published.has(id))) await new Promise((r) => setTimeout(r, 2));
  };
  try {
    for (const item of latencyItems) {
      await publishEvent(js, Subjects.imageUploaded, { ...item, at: new Date().toISOString() }, messageId(item.mediaId, 'upload'));
      await waitFor([item.mediaId]);
    }
    const started = performance.now();
    for (const item of throughputItems) await publishEvent(js, Subjects.imageUploaded, item, messageId(item.mediaId, 'upload'));
    await waitFor(throughputItems.map((i) => i.mediaId));
    const itemsPerSecond = throughputItems.length / ((performance.now() - started) / 1000);
    const times = await eventTimes(nc, new Set(latencyItems.map((i) => i.mediaId)));
    const hopMs: number[][] = imageHops.map((_, i) => [...times.values()].map((t) => t[i + 1]! - t[i]!));
    return { hopMs, itemsPerSecond };
  } finally {
    sub.unsubscribe();
    await Promise.all(loops.map((l) => l.stop()));
    await Promise.all(replicaConnections.map((c) => c.drain()));
  }
}

/** Where the choreography runs: one server or a cluster's members (comma-separated), and how widely. */
export interface BusSettings {
  readonly natsUrl: string;
  /** Replicas of the media stream (its consumers and the cancelled bucket follow it); 1 by default. */
  readonly streamReplicas?: number;
  /** Consumer loops per hop, each on its own connection; 1 by default. */
  readonly replicasPerStage?: number;
}

export async function benchPipeline(options: { natsUrl: string; items: number; side: number }): Promise<PipelineBenchResult> {
  const root = await mkdtemp(join(tmpdir(), 'revive-bench-pipeline-'));
  let stages: BenchStages | undefined;
  try {
    const store = createFilesystemStore(root);
    stages = await buildBenchStages(imageHops, { REVIVE_STORE: 'filesystem', REVIVE_STORE_DIR: root });
    await runInProcess(stages, await uploadItems(store, 3, options.side)); // warm-up: sharp, fs caches
    const inProcess = await runInProcess(stages, await uploadItems(store, options.items, options.side));
    const choreography = await runChoreography(
      { natsUrl: options.natsUrl },
      stages,
      await uploadItems(store, options.items, options.side),
      await uploadItems(store, options.items, options.side),
    );
    return { hops: imageHops.map((h) => `${h.consumes} → ${h.emits}`), inProcess, choreography };
  } finally {
    await stages?.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** One way of running the bus in the cluster bench, and what it gave. */
export interface BusRun {
  readonly label: string;
  readonly run: PipelineRun;
}

/**
 * The choreography alone on each of several buses (a single server, a cluster at several
 * replicas per stage), the same handlers and the same number of items each: what replication
 * and more consumers per hop cost or buy the bus itself. Each bus gets a stream of its own.
 */
export async function benchPipelineBuses(options: {
  buses: ReadonlyArray<{ label: string; bus: () => Promise<BusSettings & { close(): Promise<void> }> }>;
  items: number;
  side: number;
  onRun?: (run: BusRun) => void;
}): Promise<BusRun[]> {
  const root = await mkdtemp(join(tmpdir(), 'revive-bench-pipeline-'));
  let stages: BenchStages | undefined;
  const runs: BusRun[] = [];
  try {
    const store = createFilesystemStore(root);
    stages = await buildBenchStages(imageHops, { REVIVE_STORE: 'filesystem', REVIVE_STORE_DIR: root });
    await runInProcess(stages, await uploadItems(store, 3, options.side)); // warm-up: sharp, fs caches
    for (const { label, bus } of options.buses) {
      const settings = await bus();
      try {
        const run = await runChoreography(
          settings,
          stages,
          await uploadItems(store, Math.min(10, options.items), options.side),
          await uploadItems(store, options.items, options.side),
        );
        runs.push({ label, run });
        options.onRun?.({ label, run });
      } finally {
        await settings.close();
      }
    }
    return runs;
  } finally {
    await stages?.close();
    await rm(root, { recursive: true, force: true });
  }
}
