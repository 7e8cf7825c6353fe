import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DiscardPolicy, connect, type NatsConnection } from 'nats';
import postgres, { type Sql } from 'postgres';
import { Streams } from '@revive/contracts';
import { startNatsServer, startS3Server, type LocalStack, type RunningNatsServer, type RunningS3Server } from '@revive/local-services';
import { createObjectStore, type S3ObjectStore } from '@revive/object-store';
import { query, uploadFile, type CallOptions } from './support/graphql-client.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

// Issue 27, missing test 3: an upload that cannot finish (the object store down, nats-server
// down, the stream refusing the event) answers with a typed error, and leaves no row, no object
// and no event behind: the client was told nothing was stored, so nothing may be.

const photo = resolve(import.meta.dirname, 'fixtures/images/garden-410x256.jpg');
const BUCKET = 'revive-rollback';
/** A publish rides out a transient outage for up to 45 s (publish-retry.ts) before the upload gives up; generous on a loaded machine. */
const UPLOAD_BOUND_MS = 150_000;

describe('upload rollback: the store or NATS down during uploadMedia leaves nothing behind (real stack, Swift S3, nats-server)', () => {
  let s3: RunningS3Server;
  let nats: RunningNatsServer;
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  let sql: Sql;
  let store: S3ObjectStore;
  let call: CallOptions;

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'revive-e2e-rollback-'));
    // Our own nats-server (with a store, so the stream outlives a kill) and S3, so the test can take them down.
    [s3, nats] = await Promise.all([startS3Server(), startNatsServer({ storeDir: join(stateDir, 'own-nats') })]);
    system = await startTestStack('upload-rollback', {
      stateDir,
      env: {
        REVIVE_NATS_URL: nats.url,
        REVIVE_STORE: 's3',
        REVIVE_S3_BUCKET: BUCKET,
        REVIVE_S3_ENDPOINT: s3.endpoint,
        REVIVE_S3_REGION: s3.region,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
    });
    stack = system.stack;
    call = { token: stack.token };
    sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
    store = createObjectStore(
      { kind: 's3', bucket: BUCKET, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, presignTtlSeconds: 900 },
      { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
    );
  });
  after(async () => {
    store?.close();
    await sql?.end();
    await system?.stop();
    await Promise.all([nats?.stop(), s3?.stop()]);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  /** What an upload can leave: media rows, objects under media/, events in the media stream. */
  async function leftovers() {
    const [{ rows }] = (await sql`SELECT count(*)::int AS rows FROM media`) as unknown as [{ rows: number }];
    const objects: string[] = [];
    for await (const key of store.list('media/')) objects.push(key);
    const nc = await connect({ servers: nats.url });
    try {
      const info = await (await nc.jetstreamManager()).streams.info(Streams.media);
      return { rows, objects, events: info.state.messages };
    } finally {
      await nc.close();
    }
  }
  const nothing = { rows: 0, objects: [], events: 0 };

  async function upload() {
    const started = Date.now();
    const response = await Promise.race([
      uploadFile(stack.graphqlUrl, photo, { scale: 1, colorize: 'OFF', repair: 'OFF' }, new Uint8Array(await readFile(photo)), call),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`uploadMedia gave no answer within ${UPLOAD_BOUND_MS} ms`)), UPLOAD_BOUND_MS),
      ),
    ]);
    return { response, ms: Date.now() - started };
  }

  /** The gateway answers a query again (its NATS connection back), within a bound. */
  async function untilGatewayServes(what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await query<{ medias: unknown }>(stack.graphqlUrl, '{ medias(first: 1) { edges { cursor } } }', {}, call).catch(
        (e: unknown) => ({
          errors: [{ message: String(e) }],
        }),
      );
      if (!r.errors) return;
      if (Date.now() > deadline) assert.fail(`the gateway did not serve again after ${what}: ${JSON.stringify(r.errors)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('the object store down: SERVICE_UNAVAILABLE, and no row, object or event', async () => {
    assert.deepEqual(await leftovers(), nothing, 'a fresh system');
    await s3.stopProxy();
    let answer: Awaited<ReturnType<typeof upload>>;
    try {
      answer = await upload();
    } finally {
      await s3.startProxy();
    }
    const { response } = answer;
    assert.equal(response.data, null, JSON.stringify(response));
    assert.equal(response.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE', JSON.stringify(response.errors));
    assert.doesNotMatch(response.errors![0]!.message, /S3|ECONNREFUSED|http:\/\//, 'no internals in the message');
    assert.deepEqual(await leftovers(), nothing);
  });

  it('nats-server down: SERVICE_UNAVAILABLE, and once it is back no row, object or event', async () => {
    await nats.kill('SIGKILL');
    let answer: Awaited<ReturnType<typeof upload>>;
    try {
      answer = await upload();
    } finally {
      await nats.relaunch();
    }
    const { response } = answer;
    assert.equal(response.data, null, JSON.stringify(response));
    assert.equal(response.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE', JSON.stringify(response.errors));
    await untilGatewayServes('nats-server came back');
    // Anything the client held for the server while it was down would have been sent on reconnect by now.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.deepEqual(await leftovers(), nothing);
  });

  it('the stream refusing the event: SERVICE_UNAVAILABLE, and no row, object or event', async () => {
    const nc: NatsConnection = await connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    const { config } = await jsm.streams.info(Streams.media);
    try {
      // Full, and refusing new messages: every publish is answered with an error, not a timeout.
      await jsm.streams.update(Streams.media, { ...config, max_bytes: 1, discard: DiscardPolicy.New });
      const { response } = await upload();
      assert.equal(response.data, null, JSON.stringify(response));
      assert.equal(response.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE', JSON.stringify(response.errors));
    } finally {
      await jsm.streams.update(Streams.media, config);
      await nc.close();
    }
    assert.deepEqual(await leftovers(), nothing);
    // And the system takes uploads again: the rollback left nothing that blocks the next one.
    const { response } = await upload();
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const after = await leftovers();
    assert.deepEqual([after.rows, after.objects.length >= 1], [1, true], 'the next upload is stored and recorded');
  });
});
