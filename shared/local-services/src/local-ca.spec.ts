import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureLocalTls, localMachineHosts } from './local-ca.ts';

/** What a TLS client that trusts `ca` (or only the system's CAs) makes of the server at `host`. */
async function fetchOver(port: number, host: string, ca?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    get(
      { host: '127.0.0.1', servername: host.includes(':') || /^\d/.test(host) ? undefined : host, port, path: '/', ca, headers: { host } },
      (res) => {
        res.resume();
        resolve(`HTTP ${res.statusCode}`);
      },
    ).on('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
  });
}

describe('local CA for HTTPS on a LAN', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('makes a CA and a certificate it signs for the given names and addresses, keys private', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'revive-ca-spec-')), 'tls');
    dirs.push(join(dir, '..'));
    const files = await ensureLocalTls(dir, ['localhost', '127.0.0.1', 'revive.lan', '192.168.1.20']);
    const ca = new X509Certificate(await readFile(files.caCertFile));
    const leaf = new X509Certificate(await readFile(files.certFile));
    assert.equal(ca.ca, true);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.verify(ca.publicKey), 'signed by the CA');
    assert.equal(leaf.checkHost('revive.lan'), 'revive.lan');
    assert.equal(leaf.checkIP('192.168.1.20'), '192.168.1.20');
    assert.equal(leaf.checkHost('elsewhere.example'), undefined);
    assert.match(leaf.subjectAltName ?? '', /DNS:localhost/);
    for (const f of [files.keyFile, join(dir, 'ca-key.pem')]) assert.equal((await stat(f)).mode & 0o777, 0o600, f);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
  });

  it('keeps the CA and the certificate across starts, and issues a new certificate (same CA) when a name is added', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'revive-ca-spec-')), 'tls');
    dirs.push(join(dir, '..'));
    const first = await ensureLocalTls(dir, ['localhost']);
    const [ca1, leaf1] = await Promise.all([readFile(first.caCertFile, 'utf8'), readFile(first.certFile, 'utf8')]);
    await ensureLocalTls(dir, ['localhost']);
    assert.equal(await readFile(first.certFile, 'utf8'), leaf1, 'nothing changes when nothing is missing');
    await ensureLocalTls(dir, ['localhost', 'photos.lan']);
    assert.equal(await readFile(first.caCertFile, 'utf8'), ca1, 'devices that trust the CA keep trusting');
    assert.notEqual(await readFile(first.certFile, 'utf8'), leaf1);
    assert.equal(new X509Certificate(await readFile(first.certFile)).checkHost('photos.lan'), 'photos.lan');
  });

  it('a TLS client that trusts the CA accepts the server; one that does not refuses it', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'revive-ca-spec-')), 'tls');
    dirs.push(join(dir, '..'));
    const files = await ensureLocalTls(dir, localMachineHosts());
    const server = createServer({ cert: await readFile(files.certFile), key: await readFile(files.keyFile) }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const ca = await readFile(files.caCertFile);
      assert.equal(await fetchOver(port, 'localhost', ca), 'HTTP 200');
      assert.equal(await fetchOver(port, '127.0.0.1', ca), 'HTTP 200');
      assert.equal(await fetchOver(port, 'localhost'), 'SELF_SIGNED_CERT_IN_CHAIN');
      assert.equal(await fetchOver(port, 'not-this-machine.example', ca), 'ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      server.close();
    }
  });
});
