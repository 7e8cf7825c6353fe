import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 6: an anonymous caller made the gateway work. graphql-ws parsed messages up to
// 100 MiB before connection_init, anonymous requests were never rate-limited, and validation ran
// before authentication, so anonymous callers got "Did you mean …" hints about the schema.

/** Refusals one address may collect a minute in this stack (REVIVE_RATE_LIMIT_ANONYMOUS_PER_MINUTE). */
const ANONYMOUS_PER_MINUTE = 20;

interface Reply {
  status: number;
  text: string;
  code: string | undefined;
  headers: Headers;
}

async function post(url: string, body: string, token?: string): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  const text = await response.text();
  const code = (JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;
  return { status: response.status, text, code, headers: response.headers };
}

/** Opens a graphql-ws socket, sends one message, and resolves with the close code and whether the server acknowledged. */
function sendOnSocket(url: string, message: string): Promise<{ code: number; acknowledged: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    let acknowledged = false;
    socket.on('open', () => socket.send(message));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') {
        acknowledged = true;
        socket.close(1000);
      }
    });
    socket.on('close', (code) => resolve({ code, acknowledged }));
    socket.on('error', (error) => {
      // The server's close may race the last bytes of a large send (EPIPE/ECONNRESET): the close event still follows.
      if (!/EPIPE|ECONNRESET/.test(String(error))) reject(error);
    });
  });
}

describe('security 6: no work for anonymous callers (real stack)', () => {
  let system: TestStack;
  let url: string;
  let token: string;

  before(async () => {
    system = await startTestStack('security-before-auth', {
      env: { REVIVE_RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(ANONYMOUS_PER_MINUTE) },
    });
    ({ graphqlUrl: url, token } = system.stack);
  });
  after(() => system?.stop());

  it('graphql-ws refuses a large message before connection_init as it arrives (1009), not after parsing it', async () => {
    const padded = JSON.stringify({
      type: 'connection_init',
      payload: { authorization: `Bearer ${token}`, pad: 'x'.repeat(4 * 1024 * 1024) },
    });
    assert.deepEqual(await sendOnSocket(url, padded), { code: 1009, acknowledged: false });
    const garbage = 'x'.repeat(1024 * 1024);
    assert.deepEqual(await sendOnSocket(url, garbage), { code: 1009, acknowledged: false });
    // An ordinary connection_init is still welcome, and the gateway kept serving.
    const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await sendOnSocket(url, init), { code: 1000, acknowledged: true });
  });

  it('authenticates before parsing or validating: anonymous callers learn nothing about the schema', async () => {
    const typo = await post(url, JSON.stringify({ query: '{ mediaa(id: "x") { id } }' }));
    assert.deepEqual([typo.status, typo.code], [401, 'UNAUTHENTICATED']);
    assert.doesNotMatch(typo.text, /Did you mean|Cannot query/);
    const notJson = await post(url, '{"query": "{ medias');
    assert.deepEqual([notJson.status, notJson.code], [401, 'UNAUTHENTICATED'], 'the body was not even read');
    // Signed in, the typo is reported, without the hint (REVIVE_GRAPHQL_INTROSPECTION is off by default).
    const signedIn = await post(url, JSON.stringify({ query: '{ mediaa(id: "x") { id } }' }), token);
    assert.equal(signedIn.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(signedIn.text, /Cannot query field \\"mediaa\\" on type \\"Query\\"\./);
    assert.doesNotMatch(signedIn.text, /Did you mean/);
  });

  it('limits anonymous requests per address: past the limit they are refused (429) before any token lookup', async () => {
    const body = JSON.stringify({ query: '{ medias(first: 1) { edges { cursor } } }' });
    // Two refusals above were spent already (the oversized sockets spent none: no connection_init was read).
    let unauthenticated = 0;
    let refused = await post(url, body, `rv_${'A'.repeat(43)}`);
    for (; refused.status === 401 && unauthenticated <= 2 * ANONYMOUS_PER_MINUTE; unauthenticated += 1)
      refused = await post(url, body, `rv_${'A'.repeat(43)}`);
    assert.deepEqual([refused.status, refused.code], [429, 'RATE_LIMITED'], refused.text);
    assert.ok(unauthenticated <= ANONYMOUS_PER_MINUTE, `${unauthenticated} refusals before the limit`);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After');
    // graphql-ws's connection_init is held to the same limit.
    const init = JSON.stringify({ type: 'connection_init', payload: {} });
    assert.equal((await sendOnSocket(url, init)).code, 4429);
  });
});
