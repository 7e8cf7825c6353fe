import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPlatformConfig } from '@revive/config';
import { createOriginPolicy } from './origin-policy.ts';

const policyFor = (env: Record<string, string>) => createOriginPolicy(loadPlatformConfig({ REVIVE_LOG_LEVEL: 'silent', ...env }).gateway);
const from = (origin?: string) => new Request('http://127.0.0.1:4000/graphql', { method: 'POST', headers: origin ? { origin } : {} });

describe('origin policy', () => {
  it('grants CORS to allowed origins only, without credentials; by default to none', () => {
    assert.equal(policyFor({}).cors(from('https://evil.example')), false);
    assert.equal(policyFor({}).cors(from()), false);
    const policy = policyFor({ REVIVE_ALLOWED_ORIGINS: 'https://photos.example, http://lan.box:8080' });
    assert.deepEqual(policy.cors(from('https://photos.example')), {
      origin: ['https://photos.example'],
      credentials: false,
      methods: ['GET', 'POST'],
    });
    assert.equal(policy.cors(from('https://photos.example.evil.example')), false);
  });

  it('opens sockets for non-browser clients, the page’s own origin and allowed origins only', () => {
    const policy = policyFor({ REVIVE_ALLOWED_ORIGINS: 'https://photos.example' });
    assert.equal(policy.allowsSocket(undefined, '127.0.0.1:4000'), true, 'no Origin: not a browser (the CLI)');
    assert.equal(policy.allowsSocket('http://127.0.0.1:4000', '127.0.0.1:4000'), true);
    assert.equal(policy.allowsSocket('http://localhost:4000', 'localhost:4000'), true, 'the page the gateway served, under another name');
    assert.equal(policy.allowsSocket('https://photos.example', '127.0.0.1:4000'), true);
    assert.equal(policy.allowsSocket('https://evil.example', '127.0.0.1:4000'), false);
  });

  it('with REVIVE_AUTH=off answers only to its own names and to addresses (DNS rebinding)', () => {
    const off = policyFor({ REVIVE_AUTH: 'off', REVIVE_PUBLIC_URL: 'http://revive.lan:4000' });
    for (const host of ['127.0.0.1:4000', '[::1]:4000', '192.168.1.20:4000', 'localhost:4000', 'app.localhost', 'revive.lan:4000'])
      assert.equal(off.allowsHost(host), true, host);
    for (const host of ['evil.example:4000', 'evil.example', '127.0.0.1.nip.io:4000', '', undefined])
      assert.equal(off.allowsHost(host), false, String(host));
    assert.equal(policyFor({}).allowsHost('evil.example'), true, 'with tokens required, a rebound page has no credential to use');
  });

  it('refuses REVIVE_ALLOWED_ORIGINS entries that are not origins', () => {
    assert.throws(() => policyFor({ REVIVE_ALLOWED_ORIGINS: 'https://photos.example/' }), /REVIVE_ALLOWED_ORIGINS/);
    assert.throws(() => policyFor({ REVIVE_ALLOWED_ORIGINS: 'photos.example' }), /REVIVE_ALLOWED_ORIGINS/);
  });
});
