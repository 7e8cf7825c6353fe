import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@revive/logging';
import type { MediaRecord, PendingWebhook, WebhookAttempt, WebhookOutbox } from '../persistence/index.ts';
import { failureMessage } from '../failure-messages.ts';
import { parseCallbackUrl, resolveDeliverable, type ResolveHost } from './callback-url.ts';
import { isPublicAddress } from './public-address.ts';
import { createWebhookNotifier } from './webhook-notifier.ts';
import { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './webhook-signature.ts';

const SECRET = 'test-webhook-secret-of-at-least-32-chars';
const log = createLogger('webhooks-spec', 'silent');

/** The outbox table in memory (one replica): due times, leases and the attempt log as PostgreSQL keeps them. */
function memoryOutbox(onAttempt: (attempt: WebhookAttempt & { attempt: number }) => void): WebhookOutbox {
  const rows = new Map<string, { pending: PendingWebhook; dueAt: number }>();
  let ids = 0;
  return {
    async enqueue(d) {
      const id = String(++ids);
      rows.set(id, { pending: { id, ...d, attempt: 1 }, dueAt: Date.now() });
    },
    async claimDue(limit, leaseMs) {
      const due = [...rows.values()].filter((r) => r.dueAt <= Date.now()).slice(0, limit);
      for (const r of due) r.dueAt = Date.now() + leaseMs;
      return due.map((r) => r.pending);
    },
    async settle(pending, attempt, retryInMs) {
      onAttempt({ ...attempt, attempt: pending.attempt });
      if (retryInMs === null) rows.delete(pending.id);
      else rows.set(pending.id, { pending: { ...pending, attempt: pending.attempt + 1 }, dueAt: Date.now() + retryInMs });
    },
  };
}

describe('webhook signatures', () => {
  it('signs t.body with HMAC-SHA256 and verifies it; a changed body, secret or stale time fails', () => {
    const body = JSON.stringify({ mediaId: 'x', status: 'COMPLETED' });
    const now = 1_800_000_000;
    const header = signWebhook(SECRET, body, now);
    assert.match(header, /^t=1800000000,v1=[0-9a-f]{64}$/);
    assert.equal(verifyWebhook(SECRET, body, header, { now }), true);
    assert.equal(verifyWebhook(SECRET, `${body} `, header, { now }), false);
    assert.equal(verifyWebhook(`${SECRET}x`, body, header, { now }), false);
    assert.equal(verifyWebhook(SECRET, body, header, { now: now + 301 }), false, 'replayed after the tolerance');
    assert.equal(verifyWebhook(SECRET, body, 'garbage', { now }), false);
  });
});

describe('callback URLs', () => {
  it('takes http(s) URLs and refuses other schemes, credentials, and private targets unless allowed', () => {
    assert.equal(parseCallbackUrl('https://hooks.example.com/revive?x=1', false), 'https://hooks.example.com/revive?x=1');
    for (const bad of ['ftp://example.com/', 'not a url', 'https://user:pw@example.com/', 'file:///etc/passwd'])
      assert.throws(() => parseCallbackUrl(bad, true), { name: 'CallbackUrlError' }, bad);
    for (const inside of [
      'http://127.0.0.1:9/',
      'http://localhost/',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/',
      'http://192.168.0.4/',
      'http://[::ffff:127.0.0.1]/',
      // What the filter let through before: a trailing dot, IPv4-compatible and NAT64 forms of
      // loopback, benchmarking, multicast, broadcast, odd IPv4 spellings the URL parser normalises.
      'http://localhost./',
      'http://LOCALHOST../',
      'http://api.localhost./',
      'http://[::127.0.0.1]/',
      'http://[64:ff9b::127.0.0.1]/',
      'http://[64:ff9b::a00:1]/',
      'http://198.18.0.1/',
      'http://198.19.255.254/',
      'http://224.0.0.251/',
      'http://239.255.255.250/',
      'http://[ff02::1]/',
      'http://255.255.255.255/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[fd00::1]/',
      'http://[2002:7f00:1::]/',
    ]) {
      assert.throws(() => parseCallbackUrl(inside, false), { name: 'CallbackUrlError' }, inside);
      assert.doesNotThrow(() => parseCallbackUrl(inside, true), inside);
    }
  });

  it('counts only globally reachable unicast addresses as public, judging IPv4-mapped and NAT64 ones by their IPv4 address', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])
      assert.equal(isPublicAddress(address), true, address);
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.20.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '198.18.0.1',
      '192.0.2.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '::7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::7f00:1',
      '64:ff9b::169.254.169.254',
      '64:ff9b:1::1',
      'fe80::1%eth0',
      'fc00::1',
      'ff02::1',
      '2001:db8::1',
      '2001::1',
      '2002:a00:1::1',
      'not an address',
    ])
      assert.equal(isPublicAddress(address), false, address);
  });

  it('resolves the host once, refuses when any address is not public, and returns the checked address to connect to', async () => {
    let lookups = 0;
    const answers: Array<Awaited<ReturnType<ResolveHost>>> = [
      [{ address: '93.184.215.14', family: 4 }],
      [{ address: '127.0.0.1', family: 4 }],
    ];
    const rebinding: ResolveHost = async () => answers[lookups++]!;
    assert.deepEqual(await resolveDeliverable('https://hooks.example.com/x', false, rebinding), { address: '93.184.215.14', family: 4 });
    assert.equal(lookups, 1, 'one lookup per delivery: the check and the connection use the same answer');
    await assert.rejects(resolveDeliverable('https://hooks.example.com/x', false, rebinding), { name: 'CallbackUrlError' });
    const mixed: ResolveHost = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '::1', family: 6 },
    ];
    await assert.rejects(resolveDeliverable('https://hooks.example.com/x', false, mixed), { name: 'CallbackUrlError' });
    const never: ResolveHost = () => assert.fail('an address literal is not resolved');
    assert.deepEqual(await resolveDeliverable('http://[2606:4700::1111]:8443/', false, never), { address: '2606:4700::1111', family: 6 });
  });
});

describe('webhook notifier (loopback receiver)', () => {
  const received: Array<{ body: string; signature: string | undefined }> = [];
  let failFirst = 0;
  let url: string;
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ body, signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined });
      res.statusCode = failFirst-- > 0 ? 500 : 204;
      res.end();
    });
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const media = (status: MediaRecord['status'], extra: Partial<MediaRecord> = {}) =>
    ({
      id: '00000000-0000-4000-8000-0000000000aa',
      status,
      resultKey: 'media/x/result.png',
      error: null,
      updatedAt: '2026-11-23T12:00:00.000Z',
      ...extra,
    }) as MediaRecord;

  function setup(callbackUrl: string | null, maxAttempts = 4) {
    const deliveries: Array<{ status: string; attempt: number; httpStatus: number | null }> = [];
    const notifier = createWebhookNotifier({
      secret: SECRET,
      allowPrivateTargets: true,
      lifecycle: { callbackUrlOf: async () => callbackUrl },
      outbox: memoryOutbox((d) => void deliveries.push({ status: d.status, attempt: d.attempt, httpStatus: d.httpStatus })),
      pollMs: 10,
      urls: { urlFor: async (key) => `http://files.test/${key}` },
      log,
      backoffMs: (n) => 20 * n,
      maxAttempts,
    });
    return { notifier, deliveries };
  }
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check());
  };

  it('POSTs a signed outcome, retries after a 500, and records every attempt', async () => {
    received.length = 0;
    failFirst = 1;
    const { notifier, deliveries } = setup(url);
    notifier.notify(media('COMPLETED'));
    await until(() => deliveries.length === 2);
    await notifier.stop();
    assert.deepEqual(deliveries, [
      { status: 'FAILED', attempt: 1, httpStatus: 500 },
      { status: 'DELIVERED', attempt: 2, httpStatus: 204 },
    ]);
    assert.equal(received.length, 2);
    for (const r of received) assert.equal(verifyWebhook(SECRET, r.body, r.signature), true, 'the receiver can verify the signature');
    assert.deepEqual(JSON.parse(received[1]!.body), {
      mediaId: media('COMPLETED').id,
      status: 'COMPLETED',
      at: '2026-11-23T12:00:00.000Z',
      resultUrl: 'http://files.test/media/x/result.png',
    });
  });

  it('sends the failure reason, gives up after the bound, and does nothing without a callback URL or for a non-final status', async () => {
    received.length = 0;
    failFirst = 100;
    const { notifier, deliveries } = setup(url, 3);
    notifier.notify(
      media('FAILED', {
        resultKey: null,
        error: { code: 'MODEL_REJECTED', message: 'no', stage: 'superres', attempt: 5, at: '2026-11-23T12:00:00.000Z' },
      }),
    );
    await until(() => deliveries.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    await notifier.stop();
    assert.deepEqual(
      deliveries.map((d) => d.status),
      ['FAILED', 'FAILED', 'GAVE_UP'],
    );
    // The stage's own message ('no') is for the operator's log; the webhook carries the code's sentence.
    assert.deepEqual(JSON.parse(received[0]!.body).error, {
      code: 'MODEL_REJECTED',
      message: failureMessage('MODEL_REJECTED', 'superres'),
      stage: 'superres',
      attempt: 5,
    });

    const none = setup(null);
    none.notifier.notify(media('COMPLETED'));
    const running = setup(url);
    running.notifier.notify(media('PROCESSING'));
    await new Promise((r) => setTimeout(r, 100));
    await Promise.all([none.notifier.stop(), running.notifier.stop()]);
    assert.deepEqual([none.deliveries.length, running.deliveries.length], [0, 0]);
  });

  it('connects to the address it resolved, never resolving the name a second time (the system resolver does not know it)', async () => {
    received.length = 0;
    failFirst = 0;
    const hosts: string[] = [];
    const deliveries: Array<{ status: string; httpStatus: number | null }> = [];
    const port = new URL(url).port;
    const notifier = createWebhookNotifier({
      secret: SECRET,
      allowPrivateTargets: true,
      lifecycle: { callbackUrlOf: async () => `http://hooks.invalid:${port}/hook` },
      outbox: memoryOutbox((d) => void deliveries.push({ status: d.status, httpStatus: d.httpStatus })),
      urls: { urlFor: async (k) => k },
      log,
      resolve: async (host) => {
        hosts.push(host);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    notifier.notify(media('COMPLETED'));
    await until(() => deliveries.length === 1);
    await notifier.stop();
    assert.deepEqual(deliveries, [{ status: 'DELIVERED', httpStatus: 204 }]);
    assert.deepEqual(hosts, ['hooks.invalid'], 'resolved once, through the checked path');
    assert.equal(received.length, 1);
  });

  it('refuses at delivery time a name that resolves to any address that is not public, without connecting', async () => {
    received.length = 0;
    const deliveries: string[] = [];
    const notifier = createWebhookNotifier({
      secret: SECRET,
      allowPrivateTargets: false,
      lifecycle: { callbackUrlOf: async () => `http://hooks.invalid:${new URL(url).port}/hook` },
      outbox: memoryOutbox((d) => void deliveries.push(d.status)),
      urls: { urlFor: async (k) => k },
      log,
      resolve: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    notifier.notify(media('COMPLETED'));
    await until(() => deliveries.length === 1);
    await notifier.stop();
    assert.deepEqual(deliveries, ['GAVE_UP']);
    assert.equal(received.length, 0, 'nothing reached the loopback receiver');
  });

  it('refuses at delivery time a target that is private when private targets are not allowed', async () => {
    const deliveries: string[] = [];
    const notifier = createWebhookNotifier({
      secret: SECRET,
      allowPrivateTargets: false,
      lifecycle: { callbackUrlOf: async () => url },
      outbox: memoryOutbox((d) => void deliveries.push(d.status)),
      urls: { urlFor: async (k) => k },
      log,
      backoffMs: () => 10,
    });
    notifier.notify(media('COMPLETED'));
    await until(() => deliveries.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    await notifier.stop();
    assert.deepEqual(deliveries, ['GAVE_UP'], 'no retry: the address will not change its mind');
  });
});
