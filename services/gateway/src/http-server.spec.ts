import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadPlatformConfig } from '@revive/config';
import { ensureLocalTls } from '@revive/testing';
import { createGatewayServer } from './http-server.ts';

/** Sends `head`, then one byte of body every `everyMs`, and reports what the server answered and when it hung up. */
function trickle(port: number, head: string, everyMs: number): Promise<{ answer: string; afterMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setInterval(() => socket.writable && socket.write('x'), everyMs);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer: answer.split('\r\n')[0] ?? '', afterMs: performance.now() - started });
    });
  });
}

describe('the gateway HTTP server', () => {
  const servers: Server[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const s of servers) s.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const listen = async (env: NodeJS.ProcessEnv) => {
    const settings = loadPlatformConfig({ REVIVE_STATE_DIR: tmpdir(), ...env }).gateway;
    const server = await createGatewayServer(settings, (req, res) => {
      req.resume();
      req.on('end', () => res.end('done'));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  };

  it('cuts off a body that trickles in past the request timeout, and headers that do past theirs', async () => {
    const port = await listen({ REVIVE_HTTP_HEADERS_TIMEOUT_SECONDS: '1', REVIVE_HTTP_REQUEST_TIMEOUT_SECONDS: '2' });
    const body = await trickle(port, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n', 200);
    assert.equal(body.answer, 'HTTP/1.1 408 Request Timeout');
    assert.ok(body.afterMs >= 1900 && body.afterMs < 6000, `cut off after ${Math.round(body.afterMs)} ms`);
    const headers = await trickle(port, 'POST /graphql HTTP/1.1\r\nHost: x\r\n', 200);
    assert.equal(headers.answer, 'HTTP/1.1 408 Request Timeout');
    assert.ok(headers.afterMs < 5000, `cut off after ${Math.round(headers.afterMs)} ms`);
    const quick = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: 'x'.repeat(1000) });
    assert.equal(await quick.text(), 'done');
  });

  it('refuses a headers timeout above the request timeout, and a certificate without its key', () => {
    assert.throws(
      () => loadPlatformConfig({ REVIVE_HTTP_HEADERS_TIMEOUT_SECONDS: '30', REVIVE_HTTP_REQUEST_TIMEOUT_SECONDS: '10' }),
      /must not exceed/,
    );
    assert.throws(() => loadPlatformConfig({ REVIVE_TLS_CERT_FILE: '/x.pem' }), /go together/);
    assert.deepEqual(loadPlatformConfig({}).gateway.timeouts, { headersMs: 20_000, requestMs: 120_000 });
  });

  it('serves HTTPS with the configured certificate, and says so in its public URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'revive-https-spec-'));
    dirs.push(dir);
    const tls = await ensureLocalTls(join(dir, 'tls'), ['localhost', '127.0.0.1']);
    const env = { REVIVE_TLS_CERT_FILE: tls.certFile, REVIVE_TLS_KEY_FILE: tls.keyFile };
    assert.equal(loadPlatformConfig(env).gateway.publicUrl, 'https://127.0.0.1:4000');
    const port = await listen(env);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'plain HTTP is not answered on the HTTPS port');
    // A client that does not know the local CA refuses the certificate; one that does gets the answer.
    await assert.rejects(
      fetch(`https://127.0.0.1:${port}/`),
      (e: Error) => (e.cause as { code?: string }).code === 'SELF_SIGNED_CERT_IN_CHAIN',
    );
    const ca = await readFile(tls.caCertFile);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', ca }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(answer, '200 done');
  });
});
