import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import type { Sql } from 'postgres';
import sharp from 'sharp';
import type { PlatformConfig } from '@revive/config';
import { Streams } from '@revive/contracts';
import { createAuthenticator, type AccountRepository } from './auth/index.ts';
import type { GatewayDeps } from './context.ts';
import { graphqlUploadForm, startGatewayFixture, type GatewayFixture } from './gateway.fixture.ts';
import { createGatewayYoga, GRAPHQL_PATH } from './yoga.ts';

// The bad-input suite, gateway tier: every malformed request a client can send over HTTP,
// each with the typed code it must get and nothing half-stored (rows, objects, stream messages).
// Cases that need the stages (truncated JPEG, decompression bomb) are in test/bad-input.e2e.test.ts.

const ORIGIN = 'http://gateway.test:4000';
const MAX_UPLOAD = 8192;
const UPLOAD = 'mutation ($file: File!, $options: EnhanceOptions) { uploadMedia(file: $file, options: $options) { id status } }';

interface GraphqlResult {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}
interface Reply {
  status: number;
  text: string;
  json: GraphqlResult;
  headers: Headers;
}

const uploadForm = (name: string, bytes: Uint8Array, options?: Record<string, unknown>) => graphqlUploadForm(UPLOAD, name, bytes, options);

const text = (s: string) => new TextEncoder().encode(s);

describe('bad input at the gateway: each refusal typed, nothing half-stored (real PostgreSQL, real nats-server)', () => {
  let gateway: GatewayFixture;
  let sql: Sql;
  let nc: NatsConnection;
  let config: PlatformConfig;
  let deps: GatewayDeps;
  let yoga: ReturnType<typeof createGatewayYoga>;
  let accounts: AccountRepository;
  let token: string;
  let otherToken: string;
  let png: Uint8Array;
  let ownId: string;
  let foreignId: string;

  before(async () => {
    gateway = await startGatewayFixture({
      REVIVE_PUBLIC_URL: ORIGIN,
      REVIVE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
      REVIVE_AUTH: 'required',
    });
    ({ sql, nc, config, deps, yoga, accounts } = gateway);
    token = (await accounts.issueToken((await accounts.createUser('alice')).id)).token;
    otherToken = (await accounts.issueToken((await accounts.createUser('bob')).id)).token;
    png = new Uint8Array(
      await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 90, g: 90, b: 90 } } })
        .png()
        .toBuffer(),
    );
    ownId = (await post(uploadForm('mine.png', png))).json.data!.uploadMedia.id;
    foreignId = (await post(uploadForm('bobs.png', png), { token: otherToken })).json.data!.uploadMedia.id;
  });
  after(() => gateway?.stop());

  async function post(
    body: FormData | string | Record<string, unknown>,
    opts: { token?: string | null; headers?: Record<string, string>; via?: typeof yoga; ip?: string } = {},
  ): Promise<Reply> {
    const auth: Record<string, string> = opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? token}` };
    const init: RequestInit =
      body instanceof FormData
        ? { method: 'POST', body, headers: { 'graphql-preflight': '1', ...auth, ...opts.headers } }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth, ...opts.headers },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          };
    const response = await (opts.via ?? yoga).fetch(`${ORIGIN}${GRAPHQL_PATH}`, init, {
      req: { socket: { remoteAddress: opts.ip ?? '192.0.2.1' } },
    });
    const raw = await response.text();
    let json: GraphqlResult = {};
    try {
      json = JSON.parse(raw) as GraphqlResult;
    } catch {
      // Some refusals (405) have no JSON body; the status says it all.
    }
    return { status: response.status, text: raw, json, headers: response.headers };
  }

  const codeOf = (r: Reply) => r.json.errors?.[0]?.extensions?.code;

  /** Rows, stored objects and stream messages: none may change across a refused request. */
  async function footprint() {
    const rows = Number((await sql`SELECT count(*) AS n FROM media`)[0]!.n);
    const root = config.store.kind === 'filesystem' ? config.store.root : '';
    const objects = (await readdir(join(root, 'media')).catch(() => [])).length;
    const messages = (await (await nc.jetstreamManager()).streams.info(Streams.media)).state.messages;
    return { rows, objects, messages };
  }

  /** Runs one bad request and checks the code, that no data came back, and that nothing was stored. */
  async function refused(name: string, send: () => Promise<Reply>, code: string, status?: number): Promise<Reply> {
    const before = await footprint();
    const reply = await send();
    assert.equal(codeOf(reply), code, `${name}: ${reply.status} ${reply.text.slice(0, 400)}`);
    if (status !== undefined) assert.equal(reply.status, status, `${name}: HTTP status`);
    assert.ok(reply.status < 500, `${name}: never a 5xx`);
    assert.ok(!/\bat .*\.ts:\d+|stack/i.test(reply.text), `${name}: no stack trace`);
    assert.equal(reply.json.data?.uploadMedia ?? null, null, `${name}: no item returned`);
    assert.deepEqual(await footprint(), before, `${name}: nothing stored, recorded or published`);
    return reply;
  }

  it('refuses uploads that are not media by their content, whatever their name', async () => {
    const zipHeader = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, ...new Array(40).fill(0)]);
    const random = Uint8Array.from({ length: 2048 }, (_, i) => (i * 2654435761) >>> 24);
    const elf = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(56).fill(0)]);
    const cases: Array<[string, Uint8Array]> = [
      ['notes.jpg (text renamed .jpg)', text('this is not a picture, whatever its name says')],
      ['page.png (HTML)', text('<!doctype html><html><body><img src=x onerror=alert(1)></body></html>')],
      [
        'vector.svg (SVG)',
        text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'),
      ],
      ['scan.pdf (PDF)', text('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF')],
      ['photos.zip (zip)', zipHeader],
      ['noise.jpg (random bytes)', random],
      ['photo.jpg (an ELF executable)', elf],
    ];
    for (const [name, bytes] of cases) await refused(name, () => post(uploadForm(name.split(' ')[0]!, bytes)), 'UNSUPPORTED_MEDIA');
  });

  it('refuses an empty upload with EMPTY_UPLOAD and one over the byte limit with UPLOAD_TOO_LARGE (413)', async () => {
    await refused('zero bytes', () => post(uploadForm('empty.png', new Uint8Array(0))), 'EMPTY_UPLOAD');
    const big = new Uint8Array(MAX_UPLOAD + 1);
    big.set(png);
    const reply = await refused('too many bytes', () => post(uploadForm('big.png', big)), 'UPLOAD_TOO_LARGE', 413);
    assert.equal(reply.json.errors![0]!.extensions!.limitBytes, MAX_UPLOAD);
  });

  it('refuses invalid options with BAD_USER_INPUT', async () => {
    for (const options of [{ scale: 3 }, { colorize: 'BLUE' }, { frameRateFactor: 8 }, { scale: 'four' }, { speed: 2 }]) {
      await refused(`options ${JSON.stringify(options)}`, () => post(uploadForm('ok.png', png, options)), 'BAD_USER_INPUT');
    }
  });

  it('refuses malformed multipart requests: no file part, two files, operations that are not JSON', async () => {
    const noFile = new FormData();
    noFile.set('operations', JSON.stringify({ query: UPLOAD, variables: { file: null } }));
    noFile.set('map', JSON.stringify({}));
    await refused('missing file part', () => post(noFile), 'BAD_USER_INPUT');

    const two = uploadForm('one.png', png);
    two.set('map', JSON.stringify({ 0: ['variables.file'], 1: ['variables.file'] }));
    two.set('1', new File([new Uint8Array(png)], 'two.png'));
    await refused('two files in one request', () => post(two), 'BAD_REQUEST', 400);

    const unmapped = new FormData();
    unmapped.set('operations', '{ not json');
    unmapped.set('map', '{}');
    unmapped.set('0', new File([new Uint8Array(png)], 'x.png'));
    await refused('operations not JSON', () => post(unmapped), 'BAD_USER_INPUT');
  });

  it('refuses malformed GraphQL requests with typed codes', async () => {
    await refused(
      'wrong variable type',
      () => post({ query: 'query ($id: ID!) { media(id: $id) { id } }', variables: { id: { not: 'an id' } } }),
      'BAD_USER_INPUT',
    );
    await refused(
      'wrong argument type inline',
      () => post({ query: '{ medias(first: "ten") { edges { cursor } } }' }),
      'GRAPHQL_VALIDATION_FAILED',
    );
    await refused('unknown field', () => post({ query: '{ medias { edges { node { id password } } } }' }), 'GRAPHQL_VALIDATION_FAILED');
    await refused('malformed GraphQL', () => post({ query: '{ medias(first: 2) { edges { ' }), 'GRAPHQL_PARSE_FAILED');
    await refused('malformed JSON body', () => post('{"query": "{ medias { edges { cursor } } }"'), 'BAD_REQUEST', 400);
    await refused('no query at all', () => post({ variables: {} }), 'BAD_REQUEST');
  });

  it('refuses documents beyond the query limits: huge, deep, aliased, costly', async () => {
    const huge = `{ ${'__typename '.repeat(200_000)} }`;
    await refused('huge query string (2 MB)', () => post({ query: huge }), 'QUERY_TOO_COMPLEX');
    const deep = `query ($id: ID!) { media(id: $id) { ${'... on Media { '.repeat(40)}id${' }'.repeat(40)} } }`;
    await refused('deep query (nested fragments)', () => post({ query: deep, variables: { id: ownId } }), 'QUERY_TOO_DEEP');
    const aliases = Array.from({ length: 200 }, (_, i) => `m${i}: medias(first: 100) { edges { node { id stages { stage } } } }`).join(' ');
    await refused('alias bomb', () => post({ query: `{ ${aliases} }` }), 'QUERY_TOO_COMPLEX');
    const bomb = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Media { ${i === 39 ? 'id' : `...F${i + 1} ...F${i + 1}`} }`).join(
      ' ',
    );
    await refused(
      'fragment bomb (2^40 expansions)',
      () => post({ query: `{ medias(first: 1) { edges { node { ...F0 } } } } ${bomb}` }),
      'QUERY_TOO_COMPLEX',
    );
    const costly = await refused(
      'medias(first: 10000)',
      () => post({ query: '{ medias(first: 10000) { edges { node { id options { scale } stages { stage } } } } }' }),
      'QUERY_TOO_COMPLEX',
    );
    assert.equal(costly.json.errors![0]!.extensions!.limit, config.gateway.limits.maxCost);
    await refused(
      'cost through a variable',
      () =>
        post({ query: 'query ($n: Int) { medias(first: $n) { edges { node { id stages { stage } } } } }', variables: { n: 1_000_000 } }),
      'QUERY_TOO_COMPLEX',
    );
    await refused(
      'a batch of operations',
      () => post(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }])),
      'BAD_REQUEST',
      400,
    );
  });

  it('refuses a page size out of range and a garbage cursor with BAD_USER_INPUT', async () => {
    await refused('medias(first: 101)', () => post({ query: '{ medias(first: 101) { edges { cursor } } }' }), 'BAD_USER_INPUT');
    for (const after of ['garbage', 'eyJub3QiOiJhIGN1cnNvciJ9', '\u0000\u0001', 'x'.repeat(5000)]) {
      await refused(
        `cursor ${after.slice(0, 12)}`,
        () => post({ query: 'query ($a: String) { medias(first: 5, after: $a) { edges { cursor } } }', variables: { a: after } }),
        'BAD_USER_INPUT',
      );
    }
  });

  it('answers invalid, unknown and foreign ids alike: null, leaking nothing', async () => {
    for (const id of ['not-a-uuid', "'; DROP TABLE media; --", '0'.repeat(10_000), randomUUID(), foreignId]) {
      const reply = await post({ query: 'query ($id: ID!) { media(id: $id) { id filename } }', variables: { id } });
      assert.deepEqual(reply.json, { data: { media: null } }, `${id.slice(0, 40)}: ${reply.text}`);
    }
    const own = await post({ query: 'query ($id: ID!) { media(id: $id) { id } }', variables: { id: ownId } });
    assert.equal(own.json.data?.media?.id, ownId, 'the owner still sees it');
  });

  it('refuses a subscription to a missing, malformed or foreign id with NOT_FOUND', async () => {
    for (const id of [randomUUID(), 'nope', foreignId]) {
      const response = await yoga.fetch(`${ORIGIN}${GRAPHQL_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'subscription ($id: ID!) { mediaProgress(id: $id) { event } }', variables: { id } }),
      });
      const body = await response.text();
      assert.match(body, /"code":"NOT_FOUND"/, `${id}: ${body}`);
    }
  });

  it('refuses a missing, garbage, expired or revoked token with UNAUTHENTICATED (401)', async () => {
    const users = await accounts.listUsers();
    const alice = users.find((u) => u.name === 'alice')!;
    const expired = await accounts.issueToken(alice.id, { expiresAt: new Date(Date.now() - 1000) });
    const revoked = await accounts.issueToken(alice.id);
    await accounts.revokeToken(revoked.id);
    const cases: Array<[string, string | null]> = [
      ['no token', null],
      ['garbage token', 'not-a-token'],
      ['well-formed unknown token', `rv_${'A'.repeat(43)}`],
      ['expired token', expired.token],
      ['revoked token', revoked.token],
    ];
    for (const [name, t] of cases) {
      await refused(`${name} (upload)`, () => post(uploadForm('ok.png', png), { token: t }), 'UNAUTHENTICATED', 401);
      await refused(`${name} (query)`, () => post({ query: '{ medias { edges { cursor } } }' }, { token: t }), 'UNAUTHENTICATED', 401);
    }
  });

  it('refuses an anonymous caller before reading its request, and an address refused too often before looking its token up', async () => {
    // Authenticated first: no parse error, no validation hint ("Did you mean …") for anyone without a token.
    await refused('anonymous, body not JSON', () => post('{"query": "{ medias', { token: null }), 'UNAUTHENTICATED', 401);
    const typo = await refused(
      'anonymous, misspelt field',
      () => post({ query: '{ mediaa(id: "x") { id } }' }, { token: null }),
      'UNAUTHENTICATED',
      401,
    );
    assert.doesNotMatch(typo.text, /Did you mean|media\b/);
    assert.doesNotMatch((await post({ query: '{ mediaa(id: "x") { id } }' })).text, /Did you mean/, 'authenticated: no hints either');

    const auth = await createAuthenticator({
      mode: 'required',
      accounts,
      anonymousPerMinute: 3,
      onError: (error) => assert.fail(String(error)),
    });
    const guarded = createGatewayYoga({ ...deps, auth });
    const q = { query: '{ medias(first: 1) { edges { cursor } } }' };
    for (let i = 0; i < 3; i += 1)
      await refused(`refusal ${i + 1}`, () => post(q, { via: guarded, token: 'garbage', ip: '198.51.100.7' }), 'UNAUTHENTICATED', 401);
    const reply = await refused(
      '4th refusal',
      () => post(q, { via: guarded, token: `rv_${'A'.repeat(43)}`, ip: '198.51.100.7' }),
      'RATE_LIMITED',
      429,
    );
    assert.ok(Number(reply.headers.get('retry-after')) >= 1);
    assert.equal(
      (await post(q, { via: guarded, ip: '198.51.100.7' })).status,
      429,
      'past the limit even a valid token waits: it is not looked up',
    );
    assert.equal((await post(q, { via: guarded, token: null, ip: '198.51.100.8' })).status, 401, 'another address has a bucket of its own');
    assert.equal((await post(q, { via: guarded, ip: '198.51.100.8' })).status, 200, 'valid tokens spend nothing');
  });

  it('rate-limits per user: RATE_LIMITED with 429, Retry-After and retryAfterSeconds; other users unaffected', async () => {
    const limits = { ...config.gateway.limits, uploadsPerMinute: 2, requestsPerMinute: 3 };
    const limited = createGatewayYoga({ ...deps, config: { ...config, gateway: { ...config.gateway, limits } } });
    const q = { query: '{ medias(first: 1) { edges { cursor } } }' };
    for (let i = 0; i < 3; i += 1) assert.equal((await post(q, { via: limited })).status, 200);
    const reply = await refused('4th query in a minute', () => post(q, { via: limited }), 'RATE_LIMITED', 429);
    const retry = reply.json.errors![0]!.extensions!.retryAfterSeconds as number;
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, String(retry));
    assert.equal(reply.headers.get('retry-after'), String(retry));
    assert.equal((await post(q, { via: limited, token: otherToken })).status, 200, 'another user has a bucket of their own');

    // Uploads have their own, smaller bucket; a refused upload stores nothing.
    for (let i = 0; i < 2; i += 1)
      assert.equal(codeOf(await post(uploadForm('e.png', new Uint8Array(0)), { via: limited })), 'EMPTY_UPLOAD');
    await refused('3rd upload in a minute', () => post(uploadForm('ok.png', png), { via: limited }), 'RATE_LIMITED', 429);
  });
});
