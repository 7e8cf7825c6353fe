import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@revive/logging';
import type { MediaRecord } from '../persistence/index.ts';
import { isPrivateAddress, parseCallbackUrl } from './callback-url.ts';
import { createWebhookNotifier } from './webhook-notifier.ts';
import { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './webhook-signature.ts';

const SECRET = 'test-webhook-secret-of-at-least-32-chars';
const log = createLogger('webhooks-spec', 'silent');

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
    ]) {
      assert.throws(() => parseCallbackUrl(inside, false), { name: 'CallbackUrlError' }, inside);
      assert.doesNotThrow(() => parseCallbackUrl(inside, true), inside);
    }
    assert.equal(isPrivateAddress('8.8.8.8'), false);
    assert.equal(isPrivateAddress('172.20.0.1'), true);
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
      lifecycle: {
        callbackUrlOf: async () => callbackUrl,
        recordDelivery: async (d) => void deliveries.push({ status: d.status, attempt: d.attempt, httpStatus: d.httpStatus }),
      },
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
    assert.deepEqual(JSON.parse(received[0]!.body).error, { code: 'MODEL_REJECTED', message: 'no', stage: 'superres', attempt: 5 });

    const none = setup(null);
    none.notifier.notify(media('COMPLETED'));
    const running = setup(url);
    running.notifier.notify(media('PROCESSING'));
    await new Promise((r) => setTimeout(r, 100));
    await Promise.all([none.notifier.stop(), running.notifier.stop()]);
    assert.deepEqual([none.deliveries.length, running.deliveries.length], [0, 0]);
  });

  it('refuses at delivery time a target that is private when private targets are not allowed', async () => {
    const deliveries: string[] = [];
    const notifier = createWebhookNotifier({
      secret: SECRET,
      allowPrivateTargets: false,
      lifecycle: { callbackUrlOf: async () => url, recordDelivery: async (d) => void deliveries.push(d.status) },
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
