import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureLocalTls } from '@revive/local-services';
import WebSocket, { WebSocketServer } from 'ws';
import { trustLocalCa } from './local-ca.ts';

/** Opens a socket and resolves with how it went: 'open', or the error's message. */
function openSocket(url: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('error', (err) => resolve(err.message));
  });
}

describe("the CLI and a gateway serving the local CA's certificate (REVIVE_TLS=local)", () => {
  let dir: string;
  let server: Server;
  let base: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-cli-ca-'));
    const tls = await ensureLocalTls(join(dir, '.revive', 'tls'), ['127.0.0.1']);
    server = createServer({ cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) }, (_, res) => res.end('ok'));
    new WebSocketServer({ server });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('trusts .revive/tls/ca.pem for HTTPS and WSS once it is there, and nothing for plain HTTP', async () => {
    // Before: the certificate is refused, as it is by anything that does not know the CA.
    await assert.rejects(fetch(`https://${base}/`), (err: Error) => /certificate/i.test(String((err.cause as Error)?.message)));
    assert.match(await openSocket(`wss://${base}/`), /certificate/i);

    assert.equal(await trustLocalCa(`http://${base}/graphql`, {}, dir), undefined, 'plain HTTP needs no CA');
    assert.equal(await trustLocalCa(`https://${base}/graphql`, { REVIVE_STATE_DIR: join(dir, 'elsewhere') }, dir), undefined);
    assert.equal(await trustLocalCa(`https://${base}/graphql`, {}, dir), join(dir, '.revive', 'tls', 'ca.pem'));

    assert.equal(await (await fetch(`https://${base}/`)).text(), 'ok');
    assert.equal(await openSocket(`wss://${base}/`), 'open');
    // The system's roots are still there beside it.
    assert.ok((await import('node:tls')).getCACertificates('default').length > 1);
  });
});
