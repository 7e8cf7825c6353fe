import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 8: CORS reflected any origin with credentials, Yoga's CSRF prevention was off
// (urlencoded and multipart POSTs from any page ran), and any Host was served, so a page whose
// domain is re-pointed at 127.0.0.1 (DNS rebinding) acted as the local user with REVIVE_AUTH=off.

const ALLOWED = 'https://photos.example';
const EVIL = 'https://evil.example';
const UPLOAD = 'mutation ($file: File!) { uploadMedia(file: $file) { id } }';
const MEDIAS = '{ medias(first: 5) { edges { cursor } } }';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request as a browser (or an attacker) would send it, Host and Origin included. */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A multipart upload as a plain HTML form on another site could post it (no custom header). */
async function multipart(extra: Record<string, string> = {}): Promise<{ headers: Record<string, string>; body: Buffer }> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: UPLOAD, variables: { file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])], 'x.jpg'));
  const encoded = new Response(form);
  return { headers: { 'content-type': encoded.headers.get('content-type')!, ...extra }, body: Buffer.from(await encoded.arrayBuffer()) };
}

/** The close code or HTTP refusal of a WebSocket upgrade with these headers. */
function upgrade(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    socket.on('error', () => undefined);
  });
}

describe('security 8: browser defences (real stack, REVIVE_AUTH=off)', () => {
  let system: TestStack;
  let url: string;
  let port: string;
  let objects: string;

  before(async () => {
    system = await startTestStack('security-browser', { env: { REVIVE_AUTH: 'off', REVIVE_ALLOWED_ORIGINS: ALLOWED } });
    url = system.stack.graphqlUrl;
    port = new URL(url).port;
    objects = join(system.stack.env.REVIVE_STATE_DIR!, 'objects');
  });
  after(() => system?.stop());

  const stored = async () => (await readdir(join(objects, 'media')).catch(() => [])).length;

  it('CORS: no grant for an unknown origin (and never with credentials); the allow-list gets its own origin back', async () => {
    const json = { 'content-type': 'application/json' };
    const evil = await send(url, { method: 'POST', headers: { ...json, origin: EVIL }, body: JSON.stringify({ query: MEDIAS }) });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    assert.equal(evil.headers['access-control-allow-credentials'], undefined);
    const preflight = await send(url, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined, 'the browser will not send the request');
    const allowed = await send(url, { method: 'POST', headers: { ...json, origin: ALLOWED }, body: JSON.stringify({ query: MEDIAS }) });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], ALLOWED);
    assert.equal(allowed.headers['access-control-allow-credentials'], undefined);
  });

  it('CSRF: a form-style POST (multipart or urlencoded) or a GET without a preflight header is refused, storing nothing', async () => {
    const before = await stored();
    const form = await multipart({ origin: EVIL });
    const upload = await send(url, { method: 'POST', ...form });
    assert.equal(upload.status, 403, upload.body);
    const urlencoded = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: EVIL },
      body: `query=${encodeURIComponent(MEDIAS)}`,
    });
    assert.equal(urlencoded.status, 403, urlencoded.body);
    const get = await send(`${url}?query=${encodeURIComponent(MEDIAS)}`, { headers: { accept: 'application/json' } });
    assert.equal(get.status, 403, get.body);
    assert.equal(await stored(), before, 'nothing was uploaded');

    // What the web page and the CLI send: the header, so the same upload goes through.
    const withHeader = await send(url, { method: 'POST', ...(await multipart({ 'x-graphql-yoga-csrf': 'revive-web' })) });
    assert.equal(withHeader.status, 200, withHeader.body);
    assert.equal(await stored(), before + 1);
  });

  it('Host: with REVIVE_AUTH=off a rebound name is refused (HTTP and WebSocket); the gateway’s own names are served', async () => {
    const body = JSON.stringify({ query: MEDIAS });
    const json = { 'content-type': 'application/json' };
    const rebound = await send(url, { method: 'POST', headers: { ...json, host: `rebind.evil.example:${port}` }, body });
    assert.equal(rebound.status, 421);
    assert.doesNotMatch(rebound.body, /medias/);
    const page = await send(url.replace('/graphql', '/'), { headers: { host: `rebind.evil.example:${port}` } });
    assert.equal(page.status, 421, 'the web page too');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`])
      assert.equal((await send(url, { method: 'POST', headers: { ...json, host }, body })).status, 200, host);

    assert.equal(await upgrade(url, { host: `rebind.evil.example:${port}` }), 'HTTP 403');
    assert.equal(await upgrade(url, { origin: EVIL }), 'HTTP 403', 'a page elsewhere may not open a socket (no CORS for WebSockets)');
    assert.equal(await upgrade(url, { origin: `http://127.0.0.1:${port}` }), 'open', 'the page the gateway serves');
    assert.equal(await upgrade(url, {}), 'open', 'a non-browser client (the CLI)');
  });
});
