import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { MediaProgressEvents } from '@revive/contracts';
import { startNatsServer, type RunningNatsServer } from '@revive/testing';
import { createMediaHub, type MediaHub, type MediaUpdate } from './media-hub.ts';
import { initialStages, type MediaRecord } from './persistence/index.ts';

function update(id: string, progress: number): MediaUpdate {
  const at = new Date().toISOString();
  const media: MediaRecord = {
    id,
    kind: 'image',
    filename: 'grandma.jpg',
    contentType: 'image/jpeg',
    bytes: 1234,
    status: 'PROCESSING',
    options: { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 },
    stages: initialStages('image').map((s) => (s.stage === 'superres' ? { ...s, status: 'RUNNING', progress } : s)),
    width: 160,
    height: 128,
    originalKey: `media/${id}/original.jpg`,
    resultKey: null,
    resultWidth: null,
    resultHeight: null,
    resultBytes: null,
    originalPreview: null,
    resultPreview: null,
    error: null,
    traceId: null,
    createdAt: at,
    updatedAt: at,
  };
  return { media, event: MediaProgressEvents.stageProgress, stage: 'superres', at };
}

const progressOf = (u: MediaUpdate) => u.media.stages.find((s) => s.stage === 'superres')!.progress;

/** The iterator's next value, or a failure instead of a hang when none comes. */
async function nextWithin(updates: AsyncIterator<MediaUpdate>, ms = 2000): Promise<IteratorResult<MediaUpdate>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no update within ${ms} ms`)), ms)));
  try {
    return await Promise.race([updates.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function take(updates: AsyncIterator<MediaUpdate>, count: number): Promise<MediaUpdate[]> {
  const out: MediaUpdate[] = [];
  for (let i = 0; i < count; i++) {
    const r = await nextWithin(updates);
    assert.equal(r.done, false, 'the watch ended early');
    out.push(r.value as MediaUpdate);
  }
  return out;
}

describe('media hub: item changes fanned out to every gateway replica (real nats-server)', () => {
  let server: RunningNatsServer;
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  let hubA: MediaHub;
  let hubB: MediaHub;
  const errors: unknown[] = [];
  before(async () => {
    server = await startNatsServer();
    ncA = await connect({ servers: server.url, name: 'gateway-a' });
    ncB = await connect({ servers: server.url, name: 'gateway-b' });
    hubA = createMediaHub(ncA, (e) => errors.push(e));
    hubB = createMediaHub(ncB, (e) => errors.push(e));
    // The hubs' subscriptions are in place at the server before anything is announced.
    await Promise.all([ncA.flush(), ncB.flush()]);
  });
  after(async () => {
    hubA?.close();
    hubB?.close();
    await ncA?.drain();
    await ncB?.drain();
    await server?.stop();
    assert.deepEqual(errors, []);
  });

  it('delivers an update announced by one replica to watchers on both, in order', async () => {
    const id = randomUUID();
    const onA = hubA.watch(id);
    const onB = hubB.watch(id);
    const alsoOnB = hubB.watch(id);
    for (const p of [10, 50, 90]) hubA.announce(update(id, p));
    for (const watcher of [onA, onB, alsoOnB]) {
      const got = await take(watcher, 3);
      assert.deepEqual(got.map(progressOf), [10, 50, 90]);
      assert.deepEqual([got[0]!.media.id, got[0]!.event, got[0]!.stage], [id, 'STAGE_PROGRESS', 'superres']);
    }
    hubB.announce(update(id, 100));
    assert.equal(progressOf((await take(onA, 1))[0]!), 100, 'and the other way round');
    await Promise.all([onA.return!(), onB.return!(), alsoOnB.return!()]);
  });

  it('gives watchers of other items nothing', async () => {
    const watched = randomUUID();
    const other = randomUUID();
    const onA = hubA.watch(other);
    const onB = hubB.watch(other);
    hubA.announce(update(watched, 10));
    hubB.announce(update(watched, 20));
    // A marker for `other`, published after the rest on each connection: NATS keeps one
    // publisher's order, so had anything else been delivered to the watcher it would come first.
    hubA.announce(update(other, 77));
    hubB.announce(update(other, 78));
    const got = [...(await take(onA, 2)), ...(await take(onB, 2))];
    assert.ok(got.every((u) => u.media.id === other));
    assert.deepEqual(got.map(progressOf).sort(), [77, 77, 78, 78]);
    await Promise.all([onA.return!(), onB.return!()]);
  });

  it('return() ends the watch: a pending next() resolves done and later updates are not queued', async () => {
    const id = randomUUID();
    const watcher = hubB.watch(id);
    const pending = watcher.next();
    assert.deepEqual(await watcher.return!(), { value: undefined, done: true });
    assert.deepEqual(await pending, { value: undefined, done: true });
    const marker = hubB.watch(id);
    hubA.announce(update(id, 10));
    await take(marker, 1);
    assert.deepEqual(await nextWithin(watcher), { value: undefined, done: true }, 'nothing arrived after return()');
    await marker.return!();
  });

  it('a second return() of a finished watch does not unsubscribe a newer watcher of the same item', async () => {
    // for await…of calls return() when the loop body returns, and the subscription's finally
    // calls it again: both must leave other watchers of the item alone.
    const id = randomUUID();
    const first = hubA.watch(id);
    await first.return!();
    const second = hubA.watch(id);
    await first.return!();
    hubB.announce(update(id, 42));
    assert.equal(progressOf((await take(second, 1))[0]!), 42);
    await second.return!();
  });

  it('can watch with for await…of and stop by breaking out of the loop', async () => {
    const id = randomUUID();
    const watcher = hubA.watch(id);
    hubB.announce(update(id, 1));
    hubB.announce(update(id, 2));
    const seen: number[] = [];
    for await (const u of watcher) {
      seen.push(progressOf(u));
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(await watcher.next(), { value: undefined, done: true });
  });
});

describe('media hub across a reconnect (real nats-server, restarted)', () => {
  it(
    'an item that settled while this replica was between servers is delivered as settled once it is back',
    { timeout: 60_000 },
    async () => {
      const server = await startNatsServer();
      const nc = await connect({ servers: server.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
      const id = randomUUID();
      // What the database says once the other replica projected the item's last event, unheard here.
      const settled = update(id, 100);
      const completed: MediaRecord = { ...settled.media, status: 'COMPLETED' };
      const hub = createMediaHub(
        nc,
        () => {},
        async (mediaId) => (mediaId === id ? completed : undefined),
      );
      try {
        const watcher = hub.watch(id);
        await server.restart();
        const r = await nextWithin(watcher, 30_000);
        assert.equal(r.done, false);
        assert.deepEqual([(r.value as MediaUpdate).event, (r.value as MediaUpdate).media.status], ['COMPLETED', 'COMPLETED']);
        await watcher.return!();
      } finally {
        hub.close();
        await nc.close();
        await server.stop();
      }
    },
  );
});
