import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { isPublicAddress } from '@revive/gateway';
import type { LocalStack } from '@revive/local-services';
import { uploadFile, type CallOptions } from '../support/graphql-client.ts';
import { waitForTerminal } from '../support/pipeline-audit.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 9. The probe: the callback filter let through `localhost.`, `[::127.0.0.1]`,
// NAT64 (64:ff9b::/96), 198.18.0.0/15 and multicast, and resolved a name twice (once to check,
// once to connect). Now only public unicast addresses pass, at upload and again at delivery,
// where the host is resolved once and the connection goes to the address checked. (That the
// connection uses the checked address, with a resolver that answers differently the second
// time, is shown in services/gateway/src/webhooks/webhooks.spec.ts: no test can make the
// system resolver lie.)

const fixtures = resolve(import.meta.dirname, '../fixtures/images');
const WEBHOOK_SECRET = 'security-09-webhook-secret-of-32-characters-or-more';

describe('security 9: callbacks reach public addresses only, resolved once (real stack)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let call: CallOptions;
  let port: number;
  const hits: string[] = [];
  // Listens on every address, so any callback that got through would arrive here.
  const receiver = createServer((req, res) => {
    hits.push(`${req.method} ${req.headers.host}${req.url}`);
    res.writeHead(204).end();
  });

  before(async () => {
    await new Promise<void>((r) => receiver.listen(0, r));
    port = (receiver.address() as AddressInfo).port;
    system = await startTestStack('security-9-webhook-address-filter', {
      env: { REVIVE_WEBHOOK_SECRET: WEBHOOK_SECRET, REVIVE_WEBHOOK_ALLOW_PRIVATE: 'false' },
    });
    stack = system.stack;
    call = { token: stack.token };
  });
  after(async () => {
    await system?.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('refuses at upload every callback URL the old filter let through', async () => {
    const jpeg = new Uint8Array(await readFile(join(fixtures, 'garden-410x256.jpg')));
    for (const host of [
      'localhost.',
      '[::127.0.0.1]',
      '[64:ff9b::127.0.0.1]',
      '[64:ff9b::a9fe:a9fe]',
      '198.18.0.1',
      '198.19.0.7',
      '224.0.0.1',
      '239.255.255.250',
      '[ff02::1]',
      '255.255.255.255',
    ]) {
      const callbackUrl = `http://${host}:${port}/revive`;
      const reply = await uploadFile(stack.graphqlUrl, 'photo.jpg', { callbackUrl }, jpeg, call);
      assert.equal(reply.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${callbackUrl}: ${JSON.stringify(reply)}`);
      assert.equal((reply.errors![0]!.extensions as { reason?: string }).reason, 'INVALID_CALLBACK_URL', callbackUrl);
    }
  });

  it('refuses at delivery a name that resolves to an address that is not public, and never connects to it', async () => {
    // This machine's own name is not an address, so the upload takes it; it resolves to loopback or a private address.
    const name = hostname();
    const addresses = await lookup(name, { all: true });
    assert.ok(
      addresses.length > 0 && addresses.every((a) => !isPublicAddress(a.address)),
      `precondition: ${name} resolves to ${JSON.stringify(addresses)}`,
    );
    const truncated = new Uint8Array(await readFile(join(fixtures, 'garden-410x256.jpg'))).subarray(0, 2000);
    const reply = await uploadFile(stack.graphqlUrl, 'truncated.jpg', { callbackUrl: `http://${name}:${port}/revive` }, truncated, call);
    assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
    const id = reply.data!.uploadMedia.id;
    // A truncated JPEG fails in preprocess within seconds: an outcome, so a callback is due.
    assert.equal((await waitForTerminal(stack.graphqlUrl, id, call)).status, 'FAILED');
    const sql = postgres(stack.databaseUrl, { max: 1, onnotice: () => undefined });
    try {
      let deliveries: Array<{ status: string; attempt: number; error: string | null }> = [];
      for (let i = 0; i < 300 && deliveries.length === 0; i += 1) {
        deliveries = await sql`SELECT status, attempt, error FROM webhook_deliveries WHERE media_id = ${id} ORDER BY id`;
        if (deliveries.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(deliveries.length, 1, JSON.stringify(deliveries));
      assert.equal(deliveries[0]!.status, 'GAVE_UP', 'refused once, not retried: the address will not change its mind');
      assert.match(deliveries[0]!.error ?? '', /not public/);
    } finally {
      await sql.end({ timeout: 5 });
    }
    assert.deepEqual(hits, [], 'nothing reached the receiver');
  });
});
