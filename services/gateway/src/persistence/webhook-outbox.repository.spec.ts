import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import { startPostgres, type RunningPostgres } from '@revive/testing';
import { createMediaRepository } from './media.repository.ts';
import { migrate } from './migrate.ts';
import { createWebhookOutbox, type WebhookOutbox } from './webhook-outbox.repository.ts';

describe('webhook outbox (real PostgreSQL)', () => {
  let server: RunningPostgres;
  let sql: Sql;
  let outbox: WebhookOutbox;
  before(async () => {
    server = await startPostgres();
    sql = postgres(server.url, { max: 4, onnotice: () => {} });
    await migrate(sql);
    outbox = createWebhookOutbox(sql);
  });
  after(async () => {
    await sql?.end();
    await server?.stop();
  });

  async function newItem(): Promise<string> {
    const id = randomUUID();
    const options = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 } as const;
    await createMediaRepository(sql).create({
      id,
      kind: 'image',
      filename: 'a.jpg',
      contentType: 'image/jpeg',
      bytes: 1,
      options,
      originalKey: `media/${id}/original.jpg`,
    });
    return id;
  }
  const rowsOf = async (id: string) =>
    [...(await sql`SELECT status, attempt, http_status FROM webhook_deliveries WHERE media_id = ${id} ORDER BY id`)].map((r) => ({ ...r }));

  it('hands a due delivery to one claimer at a time, until its lease runs out', async () => {
    const id = await newItem();
    await outbox.enqueue({ mediaId: id, url: 'http://hooks.test/a', body: '{"a":1}' });
    await outbox.enqueue({ mediaId: id, url: 'http://hooks.test/a', body: '{"a":1}' });
    // Two replicas claiming at once: SKIP LOCKED gives the one row to one of them.
    const claims = await Promise.all([outbox.claimDue(10, 60_000), outbox.claimDue(10, 60_000)]);
    assert.deepEqual(claims.map((c) => c.length).sort(), [0, 1], 'one claim, and the same outcome queued twice is one delivery');
    const [pending] = claims.flat();
    assert.deepEqual([pending!.mediaId, pending!.attempt, pending!.body], [id, 1, '{"a":1}']);
    assert.deepEqual(await outbox.claimDue(10, 60_000), [], 'leased: nobody else takes it');

    // A claimer that died: once its lease is over the row is due again.
    await sql`UPDATE webhook_outbox SET due_at = now() - interval '1 second' WHERE id = ${pending!.id}`;
    assert.deepEqual(
      (await outbox.claimDue(10, 60_000)).map((p) => p.id),
      [pending!.id],
    );
  });

  it('records each attempt, puts a failed one back after its delay, and removes a finished one', async () => {
    const id = await newItem();
    await outbox.enqueue({ mediaId: id, url: 'http://hooks.test/b', body: '{"b":1}' });
    const [first] = await outbox.claimDue(10, 60_000);
    await outbox.settle(first!, { status: 'FAILED', httpStatus: 503, error: 'HTTP 503' }, 60_000);
    assert.deepEqual(await outbox.claimDue(10, 60_000), [], 'not due before its delay');
    await sql`UPDATE webhook_outbox SET due_at = now() WHERE media_id = ${id}`;
    const [second] = await outbox.claimDue(10, 60_000);
    assert.equal(second!.attempt, 2);
    // A late settle of the first attempt (its lease ran out meanwhile) changes nothing.
    await outbox.settle(first!, { status: 'FAILED', httpStatus: 503, error: 'HTTP 503' }, 1000);
    await outbox.settle(second!, { status: 'DELIVERED', httpStatus: 204, error: null }, null);
    assert.deepEqual(await rowsOf(id), [
      { status: 'FAILED', attempt: 1, http_status: 503 },
      { status: 'DELIVERED', attempt: 2, http_status: 204 },
    ]);
    assert.equal((await sql`SELECT count(*)::int AS n FROM webhook_outbox WHERE media_id = ${id}`)[0]!.n, 0);
  });
});
