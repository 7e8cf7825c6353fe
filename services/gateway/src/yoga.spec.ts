import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { NatsConnection } from 'nats';
import type { Sql } from 'postgres';
import sharp from 'sharp';
import type { PlatformConfig } from '@revive/config';
import { messageId, stagesOf, Streams, Subjects } from '@revive/contracts';
import type { ObjectStore } from '@revive/object-store';
import type { GatewayDeps } from './context.ts';
import { graphqlUploadForm, startGatewayFixture, type GatewayFixture } from './gateway.fixture.ts';
import { createGatewayYoga, GRAPHQL_PATH } from './yoga.ts';

const ORIGIN = 'http://gateway.test:4000';
const MAX_UPLOAD = 4096;
const UPLOAD =
  'mutation ($file: File!, $options: EnhanceOptions) { uploadMedia(file: $file, options: $options) { id kind status filename options { scale colorize repair frameRateFactor } stages { stage status } } }';

interface GraphqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: string[] }>;
}

const uploadForm = (name: string, bytes: Uint8Array, options?: Record<string, unknown>) => graphqlUploadForm(UPLOAD, name, bytes, options);

describe('gateway Yoga instance over yoga.fetch (real PostgreSQL, real nats-server, filesystem store)', () => {
  let gateway: GatewayFixture;
  let sql: Sql;
  let nc: NatsConnection;
  let dir: string;
  let config: PlatformConfig;
  let store: ObjectStore;
  let deps: GatewayDeps;
  let yoga: ReturnType<typeof createGatewayYoga>;
  let png: Uint8Array;
  /** `Authorization` of the spec's user: every API call authenticates. */
  let auth: { authorization: string };

  before(async () => {
    gateway = await startGatewayFixture({ REVIVE_PUBLIC_URL: ORIGIN, REVIVE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) });
    ({ sql, nc, dir, config, store, deps, yoga } = gateway);
    const user = await gateway.accounts.createUser('yoga-spec');
    auth = { authorization: `Bearer ${(await gateway.accounts.issueToken(user.id)).token}` };
    png = new Uint8Array(
      await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 120, g: 120, b: 120 } } })
        .png()
        .toBuffer(),
    );
    assert.ok(png.length < MAX_UPLOAD);
  });
  after(() => gateway?.stop());

  async function post<T = Record<string, any>>(
    body: FormData | { query: string; variables?: Record<string, unknown> },
  ): Promise<{ status: number; text: string; json: GraphqlResult<T> }> {
    const init =
      body instanceof FormData
        ? { method: 'POST', body, headers: { 'graphql-preflight': '1', ...auth } }
        : { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const response = await yoga.fetch(`${ORIGIN}${GRAPHQL_PATH}`, init);
    const text = await response.text();
    return { status: response.status, text, json: JSON.parse(text) as GraphqlResult<T> };
  }

  /** The media repository with a `get` that fails, for the caller's scoped view too. */
  function failingGet(get: GatewayDeps['media']['get']): GatewayDeps['media'] {
    const failing: GatewayDeps['media'] = { ...deps.media, get, ownedBy: () => failing };
    return failing;
  }

  const codeOf = (result: { json: GraphqlResult }) => result.json.errors?.[0]?.extensions?.code;

  /** Every event in the media stream so far, oldest first. */
  async function streamEvents(): Promise<Array<{ subject: string; msgId: string | undefined; payload: Record<string, unknown> }>> {
    const consumer = await nc.jetstream().consumers.get(Streams.media);
    const events = [];
    for (;;) {
      const m = await consumer.next({ expires: 1000 });
      if (!m) return events;
      events.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), payload: m.json<Record<string, unknown>>() });
    }
  }

  const mediaRows = async () => Number((await sql`SELECT count(*) AS n FROM media`)[0]!.n);

  /** A PNG that starts right and is 1 KiB over the configured limit. */
  function oversized(): Uint8Array {
    const big = new Uint8Array(MAX_UPLOAD + 1024);
    big.set(png);
    return big;
  }

  let uploadedId: string;

  it('accepts a PNG upload: QUEUED, the original stored, the row recorded, exactly one image.uploaded event', async () => {
    const result = await post(uploadForm('grandma.png', png, { scale: 4, colorize: 'OFF', repair: 'ON' }));
    assert.equal(result.json.errors, undefined, result.text);
    const media = result.json.data!.uploadMedia;
    uploadedId = media.id;
    assert.equal(media.kind, 'IMAGE');
    assert.equal(media.status, 'QUEUED');
    assert.equal(media.filename, 'grandma.png');
    assert.deepEqual(media.options, { scale: 4, colorize: 'OFF', repair: 'ON', frameRateFactor: 2 });
    assert.deepEqual(
      media.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`),
      stagesOf('image').map((s) => `${s.toUpperCase()}:PENDING`),
    );

    const originalKey = `media/${media.id}/original.png`;
    assert.deepEqual(new Uint8Array(await buffer(await store.get(originalKey))), png, 'the original is stored byte for byte');
    assert.equal((await store.head(originalKey))?.contentType, 'image/png');

    const events = await streamEvents();
    assert.equal(events.length, 1, JSON.stringify(events));
    const [event] = events;
    assert.equal(event!.subject, Subjects.imageUploaded);
    assert.equal(event!.msgId, messageId(media.id, 'upload'));
    assert.deepEqual(
      { ...event!.payload, at: typeof event!.payload.at },
      {
        mediaId: media.id,
        options: { scale: 4, colorize: 'off', repair: 'on', frameRateFactor: 2 },
        at: 'string',
        originalKey,
        filename: 'grandma.png',
        contentType: 'image/png',
        bytes: png.length,
      },
    );
  });

  it('refuses bad uploads with typed errors, storing and publishing nothing', async () => {
    const rowsBefore = await mediaRows();
    const empty = await post(uploadForm('empty.png', new Uint8Array(0)));
    assert.equal(codeOf(empty), 'EMPTY_UPLOAD', empty.text);

    const tooBig = await post(uploadForm('big.png', oversized()));
    assert.equal(tooBig.status, 413, tooBig.text);

    const badOptions = await post(uploadForm('grandma.png', png, { scale: 3 }));
    assert.equal(codeOf(badOptions), 'BAD_USER_INPUT', badOptions.text);
    assert.match(badOptions.json.errors![0]!.message, /scale/);

    const text = await post(uploadForm('notes.jpg', new TextEncoder().encode('this is not a picture, whatever its name says')));
    assert.equal(codeOf(text), 'UNSUPPORTED_MEDIA', text.text);

    const bmpPath = join(dir, 'frame.bmp');
    await promisify(execFile)('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=32x32', '-frames:v', '1', bmpPath]);
    const bmp = await post(uploadForm('frame.bmp', new Uint8Array(await readFile(bmpPath))));
    assert.equal(codeOf(bmp), 'UNSUPPORTED_MEDIA', 'BMP, which preprocess cannot decode, is refused up front');

    for (const result of [empty, tooBig, badOptions, text, bmp]) assert.equal(result.json.data?.uploadMedia ?? null, null);
    assert.equal(await mediaRows(), rowsBefore, 'nothing recorded');
    assert.deepEqual(
      await readdir(join(config.store.kind === 'filesystem' ? config.store.root : '', 'media')),
      [uploadedId],
      'nothing stored',
    );
    assert.equal(
      (await nc.jetstreamManager().then((jsm) => jsm.streams.info(Streams.media))).state.messages,
      1,
      'nothing published beyond the one good upload',
    );
  });

  // The multipart parser (uploads/) counts the file as it streams and fails it past the limit.
  it('refuses an upload over maxUploadBytes with UPLOAD_TOO_LARGE and the limit', async () => {
    const tooBig = await post(uploadForm('big.png', oversized()));
    assert.equal(codeOf(tooBig), 'UPLOAD_TOO_LARGE', tooBig.text);
    assert.equal(tooBig.json.errors?.[0]?.extensions?.limitBytes, MAX_UPLOAD);
  });

  it('answers media(id) with the item, and null for an unknown or malformed id', async () => {
    const known = await post({ query: 'query ($id: ID!) { media(id: $id) { id status kind } }', variables: { id: uploadedId } });
    assert.deepEqual(known.json, { data: { media: { id: uploadedId, status: 'QUEUED', kind: 'IMAGE' } } });
    for (const id of [randomUUID(), 'not-a-uuid', "'; DROP TABLE media; --"]) {
      const result = await post({ query: 'query ($id: ID!) { media(id: $id) { id } }', variables: { id } });
      assert.deepEqual(result.json, { data: { media: null } }, id);
    }
  });

  it('pages medias and refuses a page size out of range or a bad cursor with BAD_USER_INPUT', async () => {
    const page = await post({ query: '{ medias(first: 5) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }' });
    assert.deepEqual(
      page.json.data!.medias.edges.map((e: { node: { id: string } }) => e.node.id),
      [uploadedId],
    );
    assert.equal(page.json.data!.medias.pageInfo.hasNextPage, false);
    for (const first of [0, -1, 101]) {
      const result = await post({ query: 'query ($first: Int) { medias(first: $first) { edges { cursor } } }', variables: { first } });
      assert.equal(codeOf(result), 'BAD_USER_INPUT', `first: ${first}: ${result.text}`);
    }
    const cursor = await post({ query: '{ medias(first: 5, after: "garbage") { edges { cursor } } }' });
    assert.equal(codeOf(cursor), 'BAD_USER_INPUT', cursor.text);
  });

  it('masks an unexpected internal error: "Unexpected error.", no internal message, no stack', async () => {
    const secret = 'connection to db-primary.internal:5432 refused';
    const broken = createGatewayYoga({
      ...deps,
      media: failingGet(async () => {
        throw new Error(secret);
      }),
    });
    const response = await broken.fetch(`${ORIGIN}${GRAPHQL_PATH}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ media(id: "${uploadedId}") { id } }` }),
    });
    const text = await response.text();
    const json = JSON.parse(text) as GraphqlResult;
    assert.equal(json.errors?.length, 1, text);
    assert.equal(json.errors![0]!.message, 'Unexpected error.');
    assert.equal(json.errors![0]!.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.ok(!text.includes(secret), text);
    assert.ok(!/stack|at .*\.ts:\d+/.test(text), text);
  });

  // Yoga reads NODE_ENV at each error and, under "development", would add
  // extensions.originalError with the message and stack; yoga.ts pins isDev to false.
  it('keeps masking when NODE_ENV=development', async () => {
    const broken = createGatewayYoga({ ...deps, media: failingGet(() => Promise.reject(new Error('internal detail'))) });
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'development';
    try {
      const response = await broken.fetch(`${ORIGIN}${GRAPHQL_PATH}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ media(id: "${uploadedId}") { id } }` }),
      });
      const text = await response.text();
      const json = JSON.parse(text) as GraphqlResult;
      assert.equal(json.errors?.[0]?.message, 'Unexpected error.', text);
      assert.ok(!text.includes('internal detail') && !text.includes('stack') && !text.includes('originalError'), text);
    } finally {
      if (previous === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = previous;
    }
  });

  it('answers /healthz and /readyz', async () => {
    const health = await yoga.fetch(`${ORIGIN}/healthz`);
    assert.deepEqual([health.status, await health.text()], [200, 'ok']);
    const ready = await yoga.fetch(`${ORIGIN}/readyz`);
    assert.deepEqual([ready.status, await ready.text()], [200, 'ready']);
    const notReady = await createGatewayYoga(deps, { isReady: () => false }).fetch(`${ORIGIN}/readyz`);
    assert.deepEqual([notReady.status, await notReady.text()], [503, 'not ready']);
  });

  it('serves an object to a signed URL under /objects/ and refuses a bad or missing signature with 403', async () => {
    const result = await post({ query: 'query ($id: ID!) { media(id: $id) { originalUrl resultUrl } }', variables: { id: uploadedId } });
    const { originalUrl, resultUrl } = result.json.data!.media as { originalUrl: string; resultUrl: string | null };
    assert.equal(resultUrl, null, 'no result URL before the item completes');
    assert.ok(originalUrl.startsWith(`${ORIGIN}/objects/media/${uploadedId}/original.png?`), originalUrl);

    const response = await yoga.fetch(originalUrl);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('content-length'), String(png.length));
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'.*sandbox/);
    assert.equal(response.headers.get('content-disposition'), 'inline');
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), png);
    const head = await yoga.fetch(originalUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);

    const url = new URL(originalUrl);
    const tampered = new URL(url);
    tampered.searchParams.set('signature', `x${url.searchParams.get('signature')!.slice(1)}`);
    const unsigned = new URL(url.pathname, ORIGIN);
    const otherKey = new URL(url);
    otherKey.pathname = url.pathname.replace('original.png', 'result.png');
    for (const bad of [tampered, unsigned, otherKey]) {
      const refused = await yoga.fetch(bad.href);
      assert.equal(refused.status, 403, bad.href);
      assert.equal(await refused.text(), 'this link is invalid or has expired');
    }
    const posted = await yoga.fetch(originalUrl, { method: 'POST' });
    assert.equal(posted.status, 405);
    const traversal = await yoga.fetch(`${ORIGIN}/objects/media/..%2F..%2Fetc/passwd?${url.searchParams}`);
    assert.equal(traversal.status, 404);
    const malformed = await yoga.fetch(`${ORIGIN}/objects/media/%E0%A4%A?${url.searchParams}`);
    assert.equal(malformed.status, 404, 'a malformed percent-escape names no object');
  });

  it('serves an object of a type outside the sniffer catalogue as an octet-stream download, whatever type it was stored with', async () => {
    for (const contentType of ['text/html', 'image/svg+xml', 'application/json', undefined]) {
      const key = `media/${randomUUID()}/manifest.json`;
      await store.put(key, new TextEncoder().encode('<script>alert(1)</script>'), { contentType });
      const response = await yoga.fetch(await deps.urls.urlFor(key));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/octet-stream', String(contentType));
      assert.equal(response.headers.get('content-disposition'), 'attachment; filename="manifest.json"');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      await store.delete(key);
    }
  });

  it('answers a signed URL whose object is gone with 404, and a failing store with 503, never a stack', async () => {
    const key = `media/${randomUUID()}/original.png`;
    await store.put(key, png, { contentType: 'image/png' });
    const url = await deps.urls.urlFor(key);
    await store.delete(key);
    const gone = await yoga.fetch(url);
    assert.deepEqual([gone.status, await gone.text()], [404, 'not found']);

    const failing: ObjectStore = { ...store, head: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:9000')) };
    const response = await createGatewayYoga({ ...deps, store: failing }).fetch(url);
    const text = await response.text();
    assert.equal(response.status, 503);
    assert.ok(!text.includes('ECONNREFUSED') && !text.includes(' at '), text);
  });
});
