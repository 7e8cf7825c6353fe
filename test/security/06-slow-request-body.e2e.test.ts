// Issue 23, point 6 (the gateway's HTTP server): a client that trickles its request body, or its
// headers, is cut off at the configured deadline instead of holding a socket for Node's 300 s;
// an ordinary upload still goes through. Reproduces the probe against the real stack.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LocalStack } from '@revive/local-services';
import { uploadFile } from '../support/graphql-client.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const fixtures = resolve(import.meta.dirname, '../fixtures/images');
const HEADERS_TIMEOUT_S = 2;
const REQUEST_TIMEOUT_S = 4;

/** Sends `head`, then one byte every `everyMs` for as long as the socket stays open: the server's first answer line and when it hung up. */
function trickle(url: URL, head: string, everyMs: number): Promise<{ answer: string; afterMs: number }> {
  return new Promise((done) => {
    const started = performance.now();
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    const timer = setInterval(() => socket.writable && socket.write('-'), everyMs);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      done({ answer: answer.split('\r\n')[0] ?? '', afterMs: Math.round(performance.now() - started) });
    });
  });
}

describe('security 6: slow request bodies and headers are cut off by the gateway (real stack)', () => {
  let system: TestStack;
  let stack: LocalStack;
  const figures: string[] = [];

  before(async () => {
    system = await startTestStack('security-6-slow-request-body', {
      env: {
        REVIVE_HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_TIMEOUT_S),
        REVIVE_HTTP_REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_S),
      },
      preface: figures,
    });
    stack = system.stack;
  });
  after(() => system?.stop());

  it('answers 408 and closes the socket when an upload body trickles in past the request timeout', async () => {
    const url = new URL(stack.graphqlUrl);
    const head = [
      `POST ${url.pathname} HTTP/1.1`,
      `Host: ${url.host}`,
      `Authorization: Bearer ${stack.token}`,
      'graphql-preflight: 1',
      'Content-Type: multipart/form-data; boundary=x',
      'Content-Length: 10000000',
      '',
      '',
    ].join('\r\n');
    const slow = await trickle(url, head, 250);
    figures.push(`slow body (1 byte / 250 ms, request timeout ${REQUEST_TIMEOUT_S} s): "${slow.answer}" after ${slow.afterMs} ms`);
    assert.equal(slow.answer, 'HTTP/1.1 408 Request Timeout');
    // Generous bounds: cut at the deadline (checked every half second), long before Node's 300 s.
    assert.ok(slow.afterMs >= REQUEST_TIMEOUT_S * 1000 - 100 && slow.afterMs < 15_000, `closed after ${slow.afterMs} ms`);
  });

  it('answers 408 when the headers themselves trickle in past the headers timeout', async () => {
    const url = new URL(stack.graphqlUrl);
    const slow = await trickle(url, `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: `, 250);
    figures.push(`slow headers (headers timeout ${HEADERS_TIMEOUT_S} s): "${slow.answer}" after ${slow.afterMs} ms`);
    assert.equal(slow.answer, 'HTTP/1.1 408 Request Timeout');
    assert.ok(slow.afterMs >= HEADERS_TIMEOUT_S * 1000 - 100 && slow.afterMs < 15_000, `closed after ${slow.afterMs} ms`);
  });

  it('still takes an ordinary upload', async () => {
    const upload = await uploadFile(
      stack.graphqlUrl,
      join(fixtures, 'garden-410x256.jpg'),
      { scale: 1, colorize: 'OFF', repair: 'OFF' },
      undefined,
      {
        token: stack.token,
      },
    );
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    assert.ok(upload.data?.uploadMedia.id);
  });
});
