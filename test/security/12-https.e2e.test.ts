// Issue 23, point 12: the whole stack served over HTTPS on one machine, as `npm start` does with
// REVIVE_TLS=local: a local CA made in the state dir certifies the gateway, and real clients that
// trust that CA (node's fetch, curl, a WebSocket client, Chromium) reach it; those that do not, refuse.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { ensureLocalTls, type LocalStack, type LocalTlsFiles } from '@revive/local-services';
import { launchChromium } from '../support/web-page.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const run = promisify(execFile);

/** What node's own fetch, in a fresh process, gets from `url` (NODE_EXTRA_CA_CERTS is how a user hands it a CA). */
async function nodeFetch(url: string, token: string, caFile?: string): Promise<string> {
  const script = `fetch(process.argv[1], { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.argv[2] }, body: '{"query":"{ __typename }"}' })
    .then(async (r) => console.log(r.status, await r.text()), (e) => console.log('refused', e.cause?.code ?? e.message))`;
  const { NODE_EXTRA_CA_CERTS: _inherited, ...env } = process.env;
  const { stdout } = await run(process.execPath, ['-e', script, url, token], {
    env: caFile ? { ...env, NODE_EXTRA_CA_CERTS: caFile } : env,
  });
  return stdout.trim();
}

describe('security 12: HTTPS on one machine with a local CA (real stack, real clients)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  let tls: LocalTlsFiles;
  const figures: string[] = [];

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'revive-e2e-https-'));
    // What npm start does on first start with REVIVE_TLS=local (scripts/start.ts), for this machine's loopback names.
    tls = await ensureLocalTls(join(stateDir, 'tls'), ['localhost', '127.0.0.1']);
    system = await startTestStack('security-12-https', {
      stateDir,
      env: { REVIVE_TLS_CERT_FILE: tls.certFile, REVIVE_TLS_KEY_FILE: tls.keyFile },
      preface: figures,
    });
    stack = system.stack;
  });
  after(async () => {
    await system?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('serves GraphQL over HTTPS only: node fetch trusting the CA gets answers, without it refuses the certificate', async () => {
    assert.match(stack.graphqlUrl, /^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const trusted = await nodeFetch(stack.graphqlUrl, stack.token, tls.caCertFile);
    figures.push(`node fetch (NODE_EXTRA_CA_CERTS=ca.pem) ${stack.graphqlUrl}: ${trusted}`);
    assert.equal(trusted, '200 {"data":{"__typename":"Query"}}');
    const untrusted = await nodeFetch(stack.graphqlUrl, stack.token);
    figures.push(`node fetch (no CA): ${untrusted}`);
    assert.equal(untrusted, 'refused SELF_SIGNED_CERT_IN_CHAIN');
    const plain = await nodeFetch(stack.graphqlUrl.replace('https:', 'http:'), stack.token);
    figures.push(`node fetch over plain http: ${plain}`);
    assert.match(plain, /^refused /);
  });

  it('curl with --cacert gets the health check and the web page', async () => {
    const origin = new URL(stack.graphqlUrl).origin;
    const { stdout } = await run('curl', ['-sS', '-i', '--cacert', tls.caCertFile, `${origin}/healthz`]);
    figures.push(`$ curl -sS -i --cacert ca.pem ${origin}/healthz`, stdout.trim());
    assert.match(stdout, /^HTTP\/1\.1 200 OK/);
    const page = await run('curl', [
      '-sS',
      '--cacert',
      tls.caCertFile,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{content_type} %{ssl_verify_result}',
      `${origin}/`,
    ]);
    assert.match(page.stdout, /^200 text\/html.* 0$/);
    const refused = await run('curl', ['-sS', `${origin}/healthz`]).then(
      () => 'accepted',
      (e: { stderr: string }) => e.stderr.trim(),
    );
    figures.push(`$ curl -sS ${origin}/healthz   (no CA)`, refused);
    assert.match(refused, /SSL certificate problem: self-signed certificate in certificate chain/);
  });

  it("the revive CLI trusts the state folder's ca.pem by itself: `status` reaches the HTTPS gateway without NODE_EXTRA_CA_CERTS", async () => {
    const cli = resolve(import.meta.dirname, '../../services/cli/bin/revive.mjs');
    const { NODE_EXTRA_CA_CERTS: _ca, REVIVE_URL: _url, REVIVE_TOKEN: _token, REVIVE_STATE_DIR: _state, ...env } = process.env;
    const status = (stateDirOfCli: string) =>
      run(process.execPath, [cli, 'status', randomUUID(), '--json', '--url', stack.graphqlUrl, '--token', stack.token], {
        env: { ...env, REVIVE_STATE_DIR: stateDirOfCli },
      }).then(
        ({ stdout }) => stdout,
        (err: { stdout: string; stderr: string }) => err.stdout + err.stderr,
      );
    const trusted = await status(stateDir);
    figures.push(`revive status (REVIVE_STATE_DIR with tls/ca.pem): ${trusted.trim()}`);
    assert.match(trusted, /NOT_FOUND/, 'the gateway answered: the TLS handshake succeeded');
    const untrusted = await status(join(stateDir, 'no-such-state'));
    figures.push(`revive status (no ca.pem): ${untrusted.trim()}`);
    assert.match(untrusted, /NETWORK_ERROR.*SELF_SIGNED_CERT_IN_CHAIN/s);
  });

  it('carries subscriptions over WSS: graphql-ws acknowledges a token through the CA-verified connection', async () => {
    const ca = await readFile(tls.caCertFile);
    const url = stack.graphqlUrl.replace('https:', 'wss:');
    const answer = await new Promise<string>((resolveAnswer, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws', { ca, origin: new URL(stack.graphqlUrl).origin });
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${stack.token}` } })),
      );
      socket.on('message', (data) => {
        resolveAnswer(String(data));
        socket.close();
      });
      socket.on('error', reject);
    });
    assert.equal(JSON.parse(answer).type, 'connection_ack');
  });

  it('Chromium trusting the CA opens the web page as a secure context; without it, refuses the certificate', async () => {
    const origin = new URL(stack.graphqlUrl).origin;
    // Chromium trusts a CA from its NSS store; this switch stands in for importing ca.pem there:
    // the chain the gateway serves must lead to this CA's key, or the page does not load.
    const caKey = new X509Certificate(await readFile(tls.caCertFile)).publicKey.export({ type: 'spki', format: 'der' });
    const spki = createHash('sha256').update(caKey).digest('base64');
    const trusting = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`]);
    try {
      const page = await trusting.newPage();
      const response = await page.goto(`${origin}/`);
      assert.equal(response?.status(), 200);
      const context = await page.evaluate(`({ secure: isSecureContext, protocol: location.protocol, subtle: typeof crypto.subtle })`);
      figures.push(`chromium ${origin}/: ${JSON.stringify(context)}`);
      assert.deepEqual(context, { secure: true, protocol: 'https:', subtle: 'object' });
    } finally {
      await trusting.close();
    }
    const plain = await launchChromium();
    try {
      const error = await (await plain.newPage()).goto(`${origin}/`).then(
        () => 'loaded',
        (e: Error) => e.message.split('\n')[0]!,
      );
      figures.push(`chromium without the CA: ${error}`);
      assert.match(error, /net::ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await plain.close();
    }
  });
});
