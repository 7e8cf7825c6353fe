import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import type { Sql } from 'postgres';
import sharp from 'sharp';
import WebSocket from 'ws';
import { createOriginPolicy } from '../browser/index.ts';
import type { GatewayDeps } from '../context.ts';
import { graphqlUploadForm, startGatewayFixture, type GatewayFixture } from '../gateway.fixture.ts';
import { attachGraphqlWs } from '../ws-server.ts';
import type { AccountRepository } from './account.repository.ts';
import { createAuthenticator } from './authenticator.ts';
import { hashToken } from './tokens.ts';

interface Result {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  text: string;
}

const MEDIA = 'query ($id: ID!) { media(id: $id) { id filename } }';
const MEDIAS = '{ medias(first: 50) { edges { node { id } } } }';
const UPLOAD = 'mutation ($file: File!) { uploadMedia(file: $file) { id } }';
const PROGRESS = 'subscription ($id: ID!) { mediaProgress(id: $id) { event media { id status } } }';

describe('accounts and access over HTTP and graphql-ws (real PostgreSQL, nats-server, HTTP server)', () => {
  let gateway: GatewayFixture;
  let sql: Sql;
  let deps: GatewayDeps;
  let server: Server;
  let ws: { close(): Promise<void> };
  let url: string;
  let accounts: AccountRepository;
  let alice: string;
  let bob: string;
  let aliceMedia: string;
  let png: Uint8Array;

  before(async () => {
    gateway = await startGatewayFixture({ REVIVE_PUBLIC_URL: 'http://127.0.0.1', REVIVE_PRESIGN_TTL_SECONDS: '60' });
    ({ sql, deps, accounts } = gateway);
    server = createServer(gateway.yoga);
    ws = attachGraphqlWs(server, gateway.yoga, deps.auth, createOriginPolicy(gateway.config.gateway));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}/graphql`;
    alice = (await accounts.issueToken((await accounts.createUser('alice')).id)).token;
    bob = (await accounts.issueToken((await accounts.createUser('bob')).id)).token;
    png = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 90, g: 60, b: 30 } } })
        .png()
        .toBuffer(),
    );
  });
  after(async () => {
    await ws?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await gateway?.stop();
  });

  async function post(body: FormData | { query: string; variables?: Record<string, unknown> }, authorization?: string): Promise<Result> {
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    const init =
      body instanceof FormData
        ? { method: 'POST', body, headers: { 'graphql-preflight': '1', ...headers } }
        : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const response = await fetch(url, init);
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as Result['body'], text };
  }
  const bearer = (token: string) => `Bearer ${token}`;

  function upload(token: string): Promise<Result> {
    return post(graphqlUploadForm(UPLOAD, 'family.png', png), bearer(token));
  }

  /** The close code of a graphql-ws connection that sends `connection_init` with this payload. */
  function closeCodeOf(payload: Record<string, unknown> | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) })));
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') reject(new Error('connection acknowledged'));
      });
      socket.on('close', (code) => resolve(code));
      socket.on('error', reject);
    });
  }

  /** The first message (or the error) of a mediaProgress subscription over graphql-ws; the item stays QUEUED, so nothing follows. */
  function subscribe(token: string, id: string): Promise<{ events: string[]; errors: unknown }> {
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: bearer(token) },
    });
    const events: string[] = [];
    return new Promise<{ events: string[]; errors: unknown }>((resolve) => {
      client.subscribe<{ mediaProgress: { event: string } }>(
        { query: PROGRESS, variables: { id } },
        {
          next: (value) => {
            if (value.errors) return resolve({ events, errors: value.errors });
            events.push(value.data!.mediaProgress.event);
            resolve({ events, errors: undefined });
          },
          error: (errors) => resolve({ events, errors }),
          complete: () => resolve({ events, errors: undefined }),
        },
      );
    }).finally(() => client.dispose());
  }

  it('stores only the SHA-256 of a token, never the token', async () => {
    const rows = await sql`SELECT token_hash FROM api_tokens`;
    assert.ok(rows.some((r) => Buffer.from(r.token_hash as Uint8Array).equals(hashToken(alice))));
    const dump = JSON.stringify(await sql`SELECT * FROM api_tokens`);
    assert.ok(!dump.includes(alice.slice(3)) && !dump.includes(bob.slice(3)));
    assert.match(alice, /^rv_[A-Za-z0-9_-]{43}$/);
  });

  it('an upload records its owner; the owner reads it back', async () => {
    const uploaded = await upload(alice);
    assert.equal(uploaded.body.errors, undefined, uploaded.text);
    aliceMedia = uploaded.body.data!.uploadMedia.id;
    const [row] = await sql`SELECT u.name FROM media m JOIN users u ON u.id = m.owner_id WHERE m.id = ${aliceMedia}`;
    assert.equal(row?.name, 'alice');
    const read = await post({ query: MEDIA, variables: { id: aliceMedia } }, bearer(alice));
    assert.equal(read.body.data!.media.id, aliceMedia);
  });

  it('refuses anonymous, malformed, unknown, expired and revoked tokens alike: HTTP 401, UNAUTHENTICATED, nothing else', async () => {
    const user = await accounts.createUser('carol');
    const expired = await accounts.issueToken(user.id, { expiresAt: new Date(Date.now() - 1000) });
    const revoked = await accounts.issueToken(user.id);
    assert.equal((await post({ query: MEDIAS }, bearer(revoked.token))).status, 200, 'valid before it is revoked');
    assert.equal(await accounts.revokeToken(revoked.id), true);
    const cases: Record<string, string | undefined> = {
      anonymous: undefined,
      'not a bearer': `Basic ${Buffer.from('alice:secret').toString('base64')}`,
      'empty bearer': 'Bearer ',
      unknown: bearer(`rv_${'A'.repeat(43)}`),
      expired: bearer(expired.token),
      revoked: bearer(revoked.token),
    };
    const bodies = new Set<string>();
    for (const [name, authorization] of Object.entries(cases)) {
      for (const body of [{ query: MEDIAS }, { query: MEDIA, variables: { id: aliceMedia } }]) {
        const result = await post(body, authorization);
        assert.equal(result.status, 401, `${name}: ${result.text}`);
        assert.equal(result.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${name}: ${result.text}`);
        assert.equal(result.body.data ?? undefined, undefined, `${name}: no data`);
        bodies.add(result.text);
      }
    }
    assert.equal(bodies.size, 1, `every refusal reads the same: ${[...bodies].join('\n')}`);
    const upload = graphqlUploadForm(UPLOAD, 'x.png', png);
    const before = Number((await sql`SELECT count(*) AS n FROM media`)[0]!.n);
    assert.equal((await post(upload)).status, 401);
    assert.equal(Number((await sql`SELECT count(*) AS n FROM media`)[0]!.n), before, 'an anonymous upload stores nothing');
  });

  it("another user's item reads exactly like one that does not exist: media, medias", async () => {
    const foreign = await post({ query: MEDIA, variables: { id: aliceMedia } }, bearer(bob));
    const missing = await post({ query: MEDIA, variables: { id: randomUUID() } }, bearer(bob));
    assert.equal(foreign.status, missing.status);
    assert.deepEqual(foreign.body, { data: { media: null } });
    assert.equal(foreign.text, missing.text);
    const bobs = await post({ query: MEDIAS }, bearer(bob));
    assert.deepEqual(bobs.body.data!.medias.edges, []);
    const alices = await post({ query: MEDIAS }, bearer(alice));
    assert.deepEqual(
      alices.body.data!.medias.edges.map((e: { node: { id: string } }) => e.node.id),
      [aliceMedia],
    );
    // The repository a resolver gets is scoped the same way, removal included.
    const bobId = (await accounts.findUser('bob'))!.id;
    assert.equal(await deps.media.ownedBy(bobId).get(aliceMedia), undefined);
    assert.equal(await deps.media.ownedBy(bobId).remove(aliceMedia), false);
    assert.ok(await deps.media.get(aliceMedia), 'still there');
  });

  it('items from before accounts (no owner) stay stored and are visible to nobody', async () => {
    const id = randomUUID();
    await deps.media.create({
      id,
      kind: 'image',
      filename: 'old.png',
      contentType: 'image/png',
      bytes: 1,
      options: { scale: 2, colorize: 'auto', frameRateFactor: 2 } as never,
      originalKey: `media/${id}/original.png`,
    });
    for (const token of [alice, bob]) {
      assert.deepEqual((await post({ query: MEDIA, variables: { id } }, bearer(token))).body, { data: { media: null } });
      assert.ok(!(await post({ query: MEDIAS }, bearer(token))).text.includes(id));
    }
    assert.ok(await deps.media.get(id), 'the row is kept');
  });

  it('mediaProgress over graphql-ws: the owner gets the snapshot; a foreign id is NOT_FOUND exactly like a missing one', async () => {
    const own = await subscribe(alice, aliceMedia);
    assert.equal(own.events[0], 'SNAPSHOT', JSON.stringify(own));
    const foreign = await subscribe(bob, aliceMedia);
    const missing = await subscribe(bob, randomUUID());
    assert.equal((foreign.errors as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(foreign));
    assert.deepEqual(foreign, missing);
  });

  it('mediaProgress over SSE: a foreign id is NOT_FOUND exactly like a missing one', async () => {
    const sse = async (id: string) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: bearer(bob) },
        body: JSON.stringify({ query: PROGRESS, variables: { id } }),
      });
      return (await response.text()).replaceAll(id, '<id>');
    };
    const foreign = await sse(aliceMedia);
    assert.match(foreign, /NOT_FOUND/);
    assert.equal(foreign, await sse(randomUUID()));
    const anonymous = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: PROGRESS, variables: { id: aliceMedia } }),
    });
    assert.equal(anonymous.status, 401);
  });

  it('graphql-ws refuses a connection without a valid token with close code 4401', async () => {
    const user = await accounts.createUser('dave');
    const expired = await accounts.issueToken(user.id, { expiresAt: new Date(Date.now() - 1000) });
    const revoked = await accounts.issueToken(user.id);
    await accounts.revokeToken(revoked.id);
    assert.equal(await closeCodeOf(undefined), 4401, 'no payload');
    assert.equal(await closeCodeOf({}), 4401, 'no authorization');
    assert.equal(await closeCodeOf({ authorization: 'Bearer rv_nope' }), 4401, 'unknown');
    assert.equal(await closeCodeOf({ authorization: bearer(expired.token) }), 4401, 'expired');
    assert.equal(await closeCodeOf({ authorization: bearer(revoked.token) }), 4401, 'revoked');
  });

  it("ends a revoked token's open streams within seconds: its graphql-ws socket closes with 4401, its SSE stream ends UNAUTHENTICATED", async () => {
    const user = await accounts.createUser('erin');
    const issued = await accounts.issueToken(user.id);
    const item = (await upload(issued.token)).body.data!.uploadMedia.id;
    // The item stays QUEUED (no stage runs here): both streams would stay open for good.
    let closeCode: number | undefined;
    const socketEvents: string[] = [];
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: bearer(issued.token) },
      on: { closed: (event) => (closeCode = (event as { code?: number }).code) },
    });
    const socketDone = new Promise<void>((resolve) =>
      client.subscribe<{ mediaProgress: { event: string } }>(
        { query: PROGRESS, variables: { id: item } },
        {
          next: (value) => socketEvents.push(value.data?.mediaProgress.event ?? String(value.errors?.[0]?.extensions?.code)),
          error: () => resolve(),
          complete: () => resolve(),
        },
      ),
    );
    const sse = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: bearer(issued.token) },
      body: JSON.stringify({ query: PROGRESS, variables: { id: item } }),
    });
    const reader = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
    let sseText = '';
    while (!sseText.includes('SNAPSHOT')) sseText += (await reader.read()).value ?? '';
    while (socketEvents.length === 0) await new Promise((r) => setTimeout(r, 20));

    const revokedAt = performance.now();
    await accounts.revokeToken(issued.id);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) sseText += chunk.value;
    await socketDone;
    const seconds = (performance.now() - revokedAt) / 1000;
    client.dispose();
    assert.ok(seconds < 10, `ended ${seconds.toFixed(1)} s after the revocation`);
    assert.equal(closeCode, 4401);
    assert.equal(socketEvents[0], 'SNAPSHOT');
    assert.match(sseText, /UNAUTHENTICATED/, 'the SSE stream says why it ends');
  });

  it('REVIVE_AUTH=off: every request acts as the built-in local user, whatever it sends', async () => {
    const off = await createAuthenticator({ mode: 'off', accounts });
    const [a, b] = await Promise.all([off.authenticate(undefined), off.authenticate(bearer(alice))]);
    assert.equal(a.userName, 'local');
    assert.deepEqual(a, b);
    assert.equal((await createAuthenticator({ mode: 'off', accounts })).authenticate !== undefined, true);
    assert.equal((await accounts.listUsers()).filter((u) => u.name === 'local').length, 1, 'created once');
  });
});
