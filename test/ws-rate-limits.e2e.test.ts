import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { LocalStack } from '@revive/local-services';
import { startTestStack, type TestStack } from './support/test-stack.ts';

// Issue 27, point 5: the per-user and anonymous rate limits enforced on HTTP hold on graphql-ws
// too, and both transports spend from the same buckets (a client cannot dodge the limit by
// switching to a socket).

const REQUESTS_PER_MINUTE = 5;
const ANONYMOUS_PER_MINUTE = 3;
const PROGRESS = 'subscription ($id: ID!) { mediaProgress(id: $id) { event } }';

/** The first error code one graphql-ws operation ends with (none: it ran), within a bound. */
function firstErrorCode(client: Client, query: string, variables: Record<string, unknown>): Promise<string | null> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no answer over graphql-ws to ${query} within 30 s`));
    }, 30_000);
    const settle = (code: string | null) => {
      clearTimeout(timer);
      stop();
      resolvePromise(code);
    };
    const codeOf = (errors: unknown) =>
      ((errors as Array<{ extensions?: { code?: string } }> | undefined)?.[0]?.extensions?.code as string | undefined) ?? null;
    const stop = client.subscribe(
      { query, variables },
      {
        next: (result) => settle(codeOf(result.errors)),
        error: (error) => settle(codeOf(Array.isArray(error) ? error : [error]) ?? `socket: ${String((error as { code?: number }).code)}`),
        complete: () => settle(null),
      },
    );
  });
}

/** Opens a graphql-ws socket with `token` and resolves with the close code the server answers connection_init with (or 'open'). */
function connectionAnswer(url: string, token: string): Promise<number | 'acknowledged'> {
  return new Promise((resolvePromise, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const timer = setTimeout(() => reject(new Error('no answer to connection_init within 30 s')), 30_000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type !== 'connection_ack') return;
      clearTimeout(timer);
      socket.close(1000);
      resolvePromise('acknowledged');
    });
    socket.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
    socket.on('error', () => undefined);
  });
}

async function httpCode(url: string, token: string): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code };
}

describe('rate limits over graphql-ws (real gateway, nats-server, PostgreSQL)', () => {
  let system: TestStack;
  let stack: LocalStack;
  const clients: Client[] = [];
  const wsClient = (token: string) => {
    const client = createClient({
      url: stack.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    clients.push(client);
    return client;
  };

  before(async () => {
    system = await startTestStack('ws-rate-limits', {
      env: {
        REVIVE_RATE_LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
        REVIVE_RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(ANONYMOUS_PER_MINUTE),
      },
    });
    stack = system.stack;
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await system?.stop();
  });

  it("refuses a user's subscriptions past the per-user limit with RATE_LIMITED, from the bucket HTTP spends too; another user is unaffected", async () => {
    const client = wsClient(stack.token);
    const codes: Array<string | null> = [];
    for (let i = 0; i < REQUESTS_PER_MINUTE; i++) codes.push(await firstErrorCode(client, PROGRESS, { id: randomUUID() }));
    assert.ok(
      codes.every((c) => c !== 'RATE_LIMITED'),
      `the first ${REQUESTS_PER_MINUTE} subscriptions ran (answered ${codes.join(', ')})`,
    );
    assert.equal(await firstErrorCode(client, PROGRESS, { id: randomUUID() }), 'RATE_LIMITED', 'one more over the socket');
    assert.equal(await firstErrorCode(client, '{ __typename }', {}), 'RATE_LIMITED', 'a query over the socket too');
    assert.deepEqual(await httpCode(stack.graphqlUrl, stack.token), { status: 429, code: 'RATE_LIMITED' }, 'and over HTTP: one bucket');

    const other = await stack.createUser('ws-other');
    assert.equal(await firstErrorCode(wsClient(other.token), '{ __typename }', {}), null, 'per user, not per address');
  });

  it('counts refused connection_inits against the anonymous limit and closes with 4429 past it; HTTP is refused alike', async () => {
    const bad = `rv_${'B'.repeat(43)}`;
    const answers: Array<number | 'acknowledged'> = [];
    for (let i = 0; i < ANONYMOUS_PER_MINUTE; i++) answers.push(await connectionAnswer(stack.graphqlUrl, bad));
    assert.deepEqual(answers, new Array(ANONYMOUS_PER_MINUTE).fill(4401), 'refused as unauthorised within the limit');
    assert.equal(await connectionAnswer(stack.graphqlUrl, bad), 4429, 'past it: too many');
    assert.deepEqual(await httpCode(stack.graphqlUrl, bad), { status: 429, code: 'RATE_LIMITED' }, 'the same address over HTTP');
  });
});
