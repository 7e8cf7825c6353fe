import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { freePort, type LocalStack, type ServiceProcess } from '@revive/local-services';
import { query, uploadFile, type CallOptions } from './support/graphql-client.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

// Issue 27, point 4: what a webhook receiver really gets. A signature checked with openssl, not
// with the code that made it; a redirect not followed; one delivery per outcome with two gateways
// and across a restart of both (retries wait in PostgreSQL, not in a gateway's timers); and a
// webhook_deliveries row for every POST the receiver answered.

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');
const SECRET = 'e2e-webhook-delivery-secret-with-32-characters-or-more';

interface Received {
  path: string;
  raw: Buffer;
  headers: IncomingHttpHeaders;
  answered: number;
}

/** The HMAC a receiver computes with a stock tool: openssl over exactly `<t>.<raw body bytes>`. */
function opensslHmac(secret: string, t: string, raw: Buffer): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret], {
    input: Buffer.concat([Buffer.from(`${t}.`), raw]),
  }).toString();
  return out.trim().split(/\s+/).at(-1)!;
}

describe('webhook delivery against a real receiver (real nats-server, PostgreSQL, two gateway replicas)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let replica: ServiceProcess;
  let gateways: string[];
  let sql: postgres.Sql;
  let call: CallOptions;
  let receiverBase: string;
  const received: Received[] = [];
  let flakyDown = true;

  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      let answered = 200;
      if (path.startsWith('/redirect')) answered = 302;
      else if (path.startsWith('/flaky') && flakyDown) answered = 503;
      received.push({ path, raw: Buffer.concat(chunks), headers: req.headers, answered });
      if (answered === 302) res.writeHead(302, { location: `${receiverBase}/target` }).end();
      else res.writeHead(answered).end();
    });
  });

  before(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    system = await startTestStack('webhooks-delivery', {
      env: {
        REVIVE_WEBHOOK_SECRET: SECRET,
        REVIVE_WEBHOOK_ALLOW_PRIVATE: 'true',
      },
    });
    stack = system.stack;
    replica = stack.startReplica('gateway', { REVIVE_GATEWAY_PORT: String(await freePort()) });
    const replicaUrl = (JSON.parse(await replica.waitForLog(/gateway listening/, 120_000)) as { graphql: string }).graphql;
    gateways = [stack.graphqlUrl, replicaUrl];
    sql = postgres(stack.databaseUrl, { max: 2 });
    call = { token: stack.token };
  });
  after(async () => {
    await sql?.end();
    await system?.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  async function upload(gateway: string, callbackPath: string): Promise<string> {
    const reply = await uploadFile(
      gateway,
      greyPhoto,
      { scale: 1, colorize: 'OFF', repair: 'OFF', callbackUrl: `${receiverBase}${callbackPath}` },
      undefined,
      call,
    );
    assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
    return reply.data!.uploadMedia.id;
  }
  const deliveryRows = async (id: string) =>
    (
      await sql<Array<{ status: string; attempt: number; http_status: number | null }>>`
      SELECT status, attempt, http_status FROM webhook_deliveries WHERE media_id = ${id} ORDER BY id`
    ).map((r) => ({ ...r }));
  const postsTo = (path: string) => received.filter((r) => r.path === path);
  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  async function statusOf(gateway: string, id: string): Promise<string> {
    const { data } = await query<{ media: { status: string } }>(gateway, 'query ($id: ID!) { media(id: $id) { status } }', { id }, call);
    return data!.media.status;
  }

  it('sends one POST per outcome with two gateways running, signed over the exact bytes received, each recorded', async () => {
    const ids = [await upload(gateways[0]!, '/ok/0'), await upload(gateways[1]!, '/ok/1'), await upload(gateways[0]!, '/ok/2')];
    for (const [n, id] of ids.entries())
      await until(`item ${id}'s webhook at /ok/${n} (status ${await statusOf(gateways[0]!, id)})`, () =>
        postsTo(`/ok/${n}`).length > 0 ? true : undefined,
      );
    // Each replica reads the outbox every second: a second delivery would have come by now.
    await new Promise((r) => setTimeout(r, 4000));
    for (const [n, id] of ids.entries()) {
      const posts = postsTo(`/ok/${n}`);
      assert.equal(posts.length, 1, `item ${id}: exactly one POST`);
      const post = posts[0]!;
      const body = JSON.parse(post.raw.toString('utf8')) as { mediaId: string; status: string; resultUrl?: string };
      assert.deepEqual([body.mediaId, body.status], [id, 'COMPLETED']);
      assert.ok(body.resultUrl, 'a completed outcome carries its result link');
      // The receiver's own check, with nothing of Revive's code: openssl's HMAC over `<t>.<raw body>`.
      const header = String(post.headers['revive-signature']);
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
      assert.ok(match, `signature header ${header}`);
      assert.ok(Math.abs(Number(match[1]) - Date.now() / 1000) < 600, 'signed with the time it was sent');
      assert.equal(match[2], opensslHmac(SECRET, match[1]!, post.raw), 'the HMAC openssl computes over the received bytes');
      assert.notEqual(match[2], opensslHmac(`${SECRET}x`, match[1]!, post.raw), 'and only with this secret');
      assert.deepEqual(await deliveryRows(id), [{ status: 'DELIVERED', attempt: 1, http_status: 200 }], `item ${id}: one row, as received`);
      assert.equal((await sql`SELECT count(*)::int AS n FROM webhook_outbox WHERE media_id = ${id}`)[0]!.n, 0, 'nothing left pending');
    }
  });

  it('does not follow a redirect: the Location gets nothing, the attempt is recorded as failed and retried', async () => {
    const id = await upload(gateways[1]!, '/redirect');
    const rows = await until(`two recorded attempts at /redirect for ${id}`, async () => {
      const r = await deliveryRows(id);
      return r.length >= 2 ? r : undefined;
    });
    assert.deepEqual(rows.slice(0, 2), [
      { status: 'FAILED', attempt: 1, http_status: 302 },
      { status: 'FAILED', attempt: 2, http_status: 302 },
    ]);
    assert.equal(postsTo('/target').length, 0, 'nothing reached the Location');
    assert.ok(postsTo('/redirect').length >= rows.length, 'every recorded attempt was a POST the receiver answered');
  });

  it('makes a retry once, after both gateways were stopped and one started again; every POST has its row', async () => {
    const id = await upload(gateways[0]!, '/flaky');
    await until(`a failed first attempt at /flaky for ${id}`, async () => ((await deliveryRows(id)).length >= 1 ? true : undefined));
    // Both replicas go down while the delivery waits for its retry.
    await Promise.all([stack.services.gateway.stop(), replica.stop()]);
    const before = postsTo('/flaky').length;
    flakyDown = false;
    const restarted = stack.startReplica('gateway', { REVIVE_GATEWAY_PORT: String(await freePort()) });
    await restarted.waitForLog(/gateway listening/, 120_000);
    const rows = await until(`${id}'s delivery after the restart`, async () => {
      const r = await deliveryRows(id);
      return r.at(-1)?.status === 'DELIVERED' ? r : undefined;
    });
    await new Promise((r) => setTimeout(r, 3000));
    const posts = postsTo('/flaky');
    assert.ok(posts.length > before, 'a POST came after the restart');
    assert.equal(posts.filter((p) => p.answered === 200).length, 1, 'delivered once');
    assert.deepEqual(
      (await deliveryRows(id)).map((r) => r.http_status),
      posts.map((p) => p.answered),
      'one row per POST, with the status the receiver answered',
    );
    assert.deepEqual(
      rows.map((r) => r.attempt),
      rows.map((_, i) => i + 1),
      'attempts numbered on across the restart',
    );
  });
});
