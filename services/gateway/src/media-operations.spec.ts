import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, DeliverPolicy, type JetStreamClient, type NatsConnection } from 'nats';
import postgres, { type Sql } from 'postgres';
import { Buckets, FLOW, messageId, stagesOf, Streams, Subjects, type EnhanceOptions, type Subject, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { ensureMediaStream } from '@revive/messaging';
import { createObjectStore, type ObjectStore } from '@revive/object-store';
import { startNatsServer, startPostgres, type RunningNatsServer, type RunningPostgres } from '@revive/testing';
import { createAdmission } from './admission.ts';
import { createMediaHub, type MediaHub } from './media-hub.ts';
import { createMediaOperations, type MediaOperations } from './media-operations.ts';
import { createSweeper } from './sweeper.ts';
import {
  createAdmissionRepository,
  createFailureRepository,
  createLifecycleRepository,
  createMediaRepository,
  createProjection,
  createSweepRepository,
  EVERY_OWNER,
  migrate,
  type MediaRepository,
  type Projection,
} from './persistence/index.ts';

const options: EnhanceOptions = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 };
const at = () => new Date().toISOString();
/** The stage after preprocess, whichever the catalogue says it is: a retry publishes preprocess's event again for it. */
const failing = FLOW.image[1]!.stage;

describe('retryMedia, cancelMedia and the failure history (real PostgreSQL, nats-server, filesystem store)', () => {
  let pg: RunningPostgres;
  let nats: RunningNatsServer;
  let sql: Sql;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let storeDir: string;
  let store: ObjectStore;
  let hub: MediaHub;
  let media: MediaRepository;
  let projection: Projection;
  let ops: MediaOperations;

  before(async () => {
    [pg, nats] = await Promise.all([startPostgres(), startNatsServer()]);
    sql = postgres(pg.url, { max: 4, onnotice: () => {} });
    await migrate(sql);
    nc = await connect({ servers: nats.url });
    js = nc.jetstream();
    await ensureMediaStream(await nc.jetstreamManager());
    storeDir = await mkdtemp(join(tmpdir(), 'revive-ops-'));
    store = createObjectStore({ kind: 'filesystem', root: storeDir });
    hub = createMediaHub(nc, () => {});
    media = createMediaRepository(sql);
    projection = createProjection(sql);
    const log = createLogger('ops-spec', 'silent');
    ops = createMediaOperations({
      nc,
      store,
      lifecycle: createLifecycleRepository(sql),
      failures: createFailureRepository(sql),
      hub,
      admission: createAdmission({ nc, repository: createAdmissionRepository(sql), maxInFlightPerUser: 8, log }),
      log,
    });
  });
  after(async () => {
    hub?.close();
    await nc?.drain();
    await sql?.end();
    await Promise.all([pg?.stop(), nats?.stop()]);
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  });

  /** Publishes an event to the stream and projects it as the gateway's consumer would. */
  async function emit<S extends Subject>(subject: S, payload: EventOf<S>, msgID: string) {
    const ack = await js.publish(subject, JSON.stringify(payload), { msgID });
    return projection.applyEvent(subject, payload, String(ack.seq));
  }

  async function imageFailedAfterPreprocess() {
    const id = randomUUID();
    const originalKey = `media/${id}/original.jpg`;
    await store.put(originalKey, new Uint8Array([1, 2, 3]));
    await store.put(`media/${id}/preprocessed.tiff`, new Uint8Array([4]));
    await media.create({ id, kind: 'image', filename: 'a.jpg', contentType: 'image/jpeg', bytes: 3, options, originalKey });
    await emit(
      Subjects.imageUploaded,
      { mediaId: id, options, at: at(), originalKey, filename: 'a.jpg', contentType: 'image/jpeg', bytes: 3 },
      messageId(id, 'upload'),
    );
    await emit(
      Subjects.imagePreprocessed,
      { mediaId: id, options, at: at(), key: `media/${id}/preprocessed.tiff`, width: 4, height: 3, isMonochrome: true },
      messageId(id, 'preprocess'),
    );
    const failed = await emit(
      Subjects.mediaFailed,
      {
        mediaId: id,
        options,
        at: at(),
        kind: 'image',
        stage: failing,
        code: 'RETRIES_EXHAUSTED',
        message: 'model server unavailable',
        attempt: 5,
      },
      `${id}:${failing}:failed:1`,
    );
    assert.equal(failed?.status, 'FAILED');
    return { id, originalKey };
  }

  it('retries a failed item from the failed stage under a new msgID, keeping its failure history', async () => {
    const { id } = await imageFailedAfterPreprocess();
    const watcher = await js.consumers.get(
      Streams.media,
      (
        await (
          await nc.jetstreamManager()
        ).consumers.add(Streams.media, {
          name: `w-${id.slice(0, 8)}`,
          filter_subject: Subjects.imagePreprocessed,
          deliver_policy: DeliverPolicy.New,
          ack_policy: AckPolicy.None,
        })
      ).name,
    );

    const retried = await ops.retry((await media.get(id))!);
    assert.equal(retried.status, 'PROCESSING');
    assert.equal(retried.error, null);
    assert.deepEqual(
      retried.stages.map((s) => `${s.stage}:${s.status}`),
      stagesOf('image').map((s) => `${s}:${s === 'preprocess' ? 'DONE' : 'PENDING'}`),
    );
    const republished = await watcher.next({ expires: 5000 });
    assert.ok(republished, 'the failed stage input was published again');
    assert.equal(republished.headers?.get('Nats-Msg-Id'), `${id}:preprocess:retry1`);
    assert.equal(republished.json<{ mediaId: string }>().mediaId, id);

    // It fails again (a new failure event, as the consumer loop keys it by the new input message).
    const again = await emit(
      Subjects.mediaFailed,
      { mediaId: id, options, at: at(), kind: 'image', stage: failing, code: 'MODEL_REJECTED', message: 'bad tensor', attempt: 1 },
      `${id}:${failing}:failed:2`,
    );
    assert.equal(again?.status, 'FAILED');
    const history = await ops.failures.ofMedia(id);
    assert.deepEqual(
      history.map((f) => [f.stage, f.code, f.attempt]),
      [
        [failing, 'RETRIES_EXHAUSTED', 5],
        [failing, 'MODEL_REJECTED', 1],
      ],
    );
    assert.ok(history.every((f) => !Number.isNaN(Date.parse(f.at))));

    // A second retry gets a second suffix (the first is still in the dedupe window).
    await ops.retry((await media.get(id))!);
    const second = await watcher.next({ expires: 5000 });
    assert.equal(second?.headers?.get('Nats-Msg-Id'), `${id}:preprocess:retry2`);
  });

  it('counts a retry against the per-user limit: refused with TOO_MANY_IN_FLIGHT while the owner is full, taken once a slot frees', async () => {
    const owner = randomUUID();
    await sql`INSERT INTO users (id, name) VALUES (${owner}, ${`busy-${owner.slice(0, 8)}`})`;
    const { id } = await imageFailedAfterPreprocess();
    const running = randomUUID();
    await media.create({
      id: running,
      kind: 'image',
      filename: 'b.jpg',
      contentType: 'image/jpeg',
      bytes: 3,
      options,
      originalKey: `media/${running}/original.jpg`,
    });
    await sql`UPDATE media SET owner_id = ${owner}, released_at = now() WHERE id IN (${id}, ${running})`;
    await sql`UPDATE media SET status = 'PROCESSING' WHERE id = ${running}`;
    const log = createLogger('ops-spec', 'silent');
    const oneAtATime = createMediaOperations({
      nc,
      store,
      lifecycle: createLifecycleRepository(sql),
      failures: createFailureRepository(sql),
      hub,
      admission: createAdmission({ nc, repository: createAdmissionRepository(sql), maxInFlightPerUser: 1, log }),
      log,
    });
    await assert.rejects(oneAtATime.retry((await media.get(id))!), { name: 'MediaOperationError', reason: 'TOO_MANY_IN_FLIGHT' });
    assert.equal((await media.get(id))!.status, 'FAILED', 'left as it was');
    await sql`UPDATE media SET status = 'COMPLETED' WHERE id = ${running}`;
    assert.equal((await oneAtATime.retry((await media.get(id))!)).status, 'PROCESSING');
  });

  it('refuses to retry an item that has not failed, and to cancel one that has finished', async () => {
    const { id } = await imageFailedAfterPreprocess();
    await assert.rejects(ops.cancel((await media.get(id))!), { name: 'MediaOperationError', reason: 'INVALID_STATE' });
    await ops.retry((await media.get(id))!);
    await assert.rejects(ops.retry((await media.get(id))!), { name: 'MediaOperationError', reason: 'INVALID_STATE' });
  });

  it('cancels: CANCELLED, the stages are told through the KV bucket, intermediates deleted, original kept, later events ignored', async () => {
    const { id, originalKey } = await imageFailedAfterPreprocess();
    await ops.retry((await media.get(id))!);
    const cancelled = await ops.cancel((await media.get(id))!);
    assert.equal(cancelled.status, 'CANCELLED');
    const entry = await (await js.views.kv(Buckets.cancelled)).get(id);
    assert.equal(entry?.operation, 'PUT');
    assert.ok(await store.head(originalKey), 'the original stays');
    assert.equal(await store.head(`media/${id}/preprocessed.tiff`), undefined, 'the intermediate is gone');
    const late = await emit(
      Subjects.imageColorized,
      { mediaId: id, options, at: at(), key: `media/${id}/colorized.png`, width: 4, height: 3, isMonochrome: true },
      messageId(id, 'colorize'),
    );
    assert.equal(late?.status, 'CANCELLED', 'work in flight when cancelled changes nothing');
  });

  it('cancels a running stage with its item (CANCELLED, its progress ignored after); a stage not started stays PENDING', async () => {
    const { id } = await imageFailedAfterPreprocess();
    await ops.retry((await media.get(id))!);
    const running = await projection.applyProgress({ mediaId: id, stage: failing, done: 1, total: 4, unit: 'tiles', at: at() });
    assert.equal(running?.stages.find((s) => s.stage === failing)?.status, 'RUNNING');
    const cancelled = await ops.cancel((await media.get(id))!);
    assert.deepEqual(
      cancelled.stages.map((s) => `${s.stage}:${s.status}`),
      stagesOf('image').map((s) => `${s}:${s === 'preprocess' ? 'DONE' : s === failing ? 'CANCELLED' : 'PENDING'}`),
    );
    const stopped = cancelled.stages.find((s) => s.stage === failing)!;
    assert.ok(stopped.finishedAt !== null && stopped.durationMs !== null);
    assert.equal(await projection.applyProgress({ mediaId: id, stage: failing, done: 2, total: 4, unit: 'tiles', at: at() }), undefined);
  });

  it('cancel deletes whatever any stage wrote in the item folder (chunks, their records), not only what events named', async () => {
    const { id, originalKey } = await imageFailedAfterPreprocess();
    await ops.retry((await media.get(id))!);
    const unnamed = [`media/${id}/${failing}/chunk-00000.mkv`, `media/${id}/${failing}/chunk-00000.event.json`];
    for (const key of unnamed) await store.put(key, new Uint8Array([5]));
    await ops.cancel((await media.get(id))!);
    const left: string[] = [];
    for await (const key of store.list(`media/${id}/`)) left.push(key);
    assert.deepEqual(left, [originalKey]);
  });

  it('refuses a retry with UNAVAILABLE once the sweeper deleted the intermediates (the retry window passed)', async () => {
    const { id, originalKey } = await imageFailedAfterPreprocess();
    const sweeper = createSweeper({
      repository: createSweepRepository(sql),
      store,
      settings: { sweepIntervalMs: 0, retryWindowMs: 0, resultRetentionMs: undefined },
      log: createLogger('ops-spec', 'silent'),
    });
    assert.ok((await sweeper.sweepOnce()).swept >= 1);
    assert.equal(await store.head(`media/${id}/preprocessed.tiff`), undefined);
    assert.ok(await store.head(originalKey));
    await assert.rejects(ops.retry((await media.get(id))!), (error: Error & { reason?: string }) => {
      assert.equal(error.reason, 'UNAVAILABLE');
      assert.match(error.message, /retry window/);
      return true;
    });
    assert.equal((await media.get(id))?.status, 'FAILED');
  });

  it('lists failures across items newest first, filtered, paged, with counts by stage and code', async () => {
    const all = await ops.failures.list({ ownerId: EVERY_OWNER, first: 100 });
    assert.ok(all.totalCount >= 4);
    const exhausted = all.byStageAndCode.find((c) => c.stage === failing && c.code === 'RETRIES_EXHAUSTED');
    assert.ok(exhausted && exhausted.count >= 3);
    const rejected = await ops.failures.list({ ownerId: EVERY_OWNER, code: 'MODEL_REJECTED', first: 100 });
    assert.deepEqual(rejected.byStageAndCode, [{ stage: failing, code: 'MODEL_REJECTED', count: 1 }]);
    assert.equal(rejected.totalCount, 1);
    const page1 = await ops.failures.list({ ownerId: EVERY_OWNER, stage: failing, first: 2 });
    assert.equal(page1.items.length, 2);
    assert.equal(page1.hasNextPage, true);
    const page2 = await ops.failures.list({ ownerId: EVERY_OWNER, stage: failing, first: 2, after: page1.endCursor });
    assert.ok(page2.items.every((f) => !page1.items.some((g) => g.cursor === f.cursor)));
    assert.ok(Date.parse(page1.items[0]!.at) >= Date.parse(page2.items[0]!.at));
    await assert.rejects(ops.failures.list({ ownerId: EVERY_OWNER, first: 2, after: 'bogus' }), { name: 'InvalidCursorError' });
  });

  it('retries through a NATS server that is down for longer than a request timeout, instead of calling the input gone', async () => {
    const { id } = await imageFailedAfterPreprocess();
    await nats.kill('SIGKILL');
    const retrying = ops.retry((await media.get(id))!);
    // Longer than nats.js's 5 s request timeout: the stored event cannot simply be read late.
    await new Promise((r) => setTimeout(r, 6500));
    await nats.relaunch();
    assert.equal((await retrying).status, 'PROCESSING');
  });
});
