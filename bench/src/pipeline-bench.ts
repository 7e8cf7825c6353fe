import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { NatsConnection } from 'nats';
import { FLOW, messageId, Streams, Subjects, type EventOf, type Stage } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { connectNats, ensureMediaStream, publishEvent, runConsumerLoop, type HandlerContext, type Outcome } from '@revive/messaging';
import type { ModelRuntime } from '@revive/model-runtime';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { createColorizeHandlers } from '@revive/colorize';
import { createPreprocessHandlers } from '@revive/preprocess';
import { createPublishHandlers } from '@revive/publish';
import { createSuperresHandlers } from '@revive/superres';

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
type AnyHandler = (event: unknown, ctx: HandlerContext) => Promise<Outcome>;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Each image stage's handler, by stage: the hops come from the catalogue. */
type ImageHandlers = Readonly<Partial<Record<Stage, AnyHandler>>>;

function imageHandlers(store: ObjectStore, runtime: ModelRuntime, maxInputPixels: number): ImageHandlers {
  const log = createLogger('bench', 'silent');
  const handlers: ImageHandlers = {
    preprocess: createPreprocessHandlers({ store, log, maxInputPixels }).image as AnyHandler,
    colorize: createColorizeHandlers({ store, runtime, log, maxInputPixels }).image as AnyHandler,
    superres: createSuperresHandlers({ store, runtime, log, maxInputPixels }).image as AnyHandler,
    publish: createPublishHandlers({ store, log }).image as AnyHandler,
  };
  const missing = imageHops.filter((hop) => !handlers[hop.stage]).map((hop) => hop.stage);
  if (missing.length) throw new Error(`the pipeline bench has no image handler for ${missing.join(', ')}`);
  return handlers;
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
      options: { scale: 1 as const, colorize: 'off' as const, frameRateFactor: 1 as const },
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
  heartbeat: () => undefined,
  progress: () => undefined,
});

/** The same handlers called one after another in this process: the floor any choreography adds to. */
async function runInProcess(handlers: ImageHandlers, items: ReadonlyArray<EventOf<typeof Subjects.imageUploaded>>): Promise<PipelineRun> {
  const hopMs: number[][] = imageHops.map(() => []);
  const started = performance.now();
  for (const item of items) {
    let event: unknown = item;
    for (const [i, hop] of imageHops.entries()) {
      const t0 = performance.now();
      const outcome = await handlers[hop.stage]!(event, ctxFor(hop.stage));
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
  natsUrl: string,
  handlers: ImageHandlers,
  latencyItems: ReadonlyArray<EventOf<typeof Subjects.imageUploaded>>,
  throughputItems: ReadonlyArray<EventOf<typeof Subjects.imageUploaded>>,
): Promise<PipelineRun> {
  const nc = await connectNats(natsUrl, 'bench');
  await ensureMediaStream(await nc.jetstreamManager());
  // The image hops only, through the very loop every stage service runs.
  const loops = await Promise.all(
    imageHops.map((hop) =>
      runConsumerLoop({ nc, stream: Streams.media, hop, handle: handlers[hop.stage]!, concurrency: 1, ackWaitMs: 30_000, maxDeliver: 3 }),
    ),
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
    await nc.drain();
  }
}

export async function benchPipeline(options: {
  natsUrl: string;
  runtime: ModelRuntime;
  maxInputPixels: number;
  items: number;
  side: number;
}): Promise<PipelineBenchResult> {
  const root = await mkdtemp(join(tmpdir(), 'revive-bench-pipeline-'));
  try {
    const store = createFilesystemStore(root);
    const handlers = imageHandlers(store, options.runtime, options.maxInputPixels);
    await runInProcess(handlers, await uploadItems(store, 3, options.side)); // warm-up: sharp, fs caches
    const inProcess = await runInProcess(handlers, await uploadItems(store, options.items, options.side));
    const choreography = await runChoreography(
      options.natsUrl,
      handlers,
      await uploadItems(store, options.items, options.side),
      await uploadItems(store, options.items, options.side),
    );
    return { hops: imageHops.map((h) => `${h.consumes} → ${h.emits}`), inProcess, choreography };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
