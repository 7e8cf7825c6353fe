import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import { FLOW } from '@revive/contracts';
import { startPostgres, type RunningPostgres } from '@revive/testing';
import { createFailureRepository, EVERY_OWNER, recordFailure, type FailureRepository } from './failures.repository.ts';
import { createMediaRepository } from './media.repository.ts';
import { migrate } from './migrate.ts';

const options = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 } as const;
const stage = FLOW.image[1]!.stage;

describe('failure history is listed per owner (real PostgreSQL)', () => {
  let server: RunningPostgres;
  let sql: Sql;
  let failures: FailureRepository;
  const owners = { alice: randomUUID(), bob: randomUUID() };
  /** Item id → owner (null: an item from before accounts). */
  const items = new Map<string, string | null>();

  /** One item of `owner` (undefined: no owner) with one failure recorded the way the projection records it. */
  async function failedItem(owner: string | undefined, code: string): Promise<string> {
    const id = randomUUID();
    const repo = owner ? createMediaRepository(sql).ownedBy(owner) : createMediaRepository(sql);
    await repo.create({
      id,
      kind: 'image',
      filename: 'x.jpg',
      contentType: 'image/jpeg',
      bytes: 1,
      options,
      originalKey: `media/${id}/original.jpg`,
    });
    await sql.begin((tx) =>
      recordFailure(tx, { mediaId: id, options, at: new Date().toISOString(), kind: 'image', stage, code, message: code, attempt: 1 }),
    );
    items.set(id, owner ?? null);
    return id;
  }

  before(async () => {
    server = await startPostgres();
    sql = postgres(server.url, { max: 4, onnotice: () => {} });
    await migrate(sql);
    for (const [name, id] of Object.entries(owners)) await sql`INSERT INTO users (id, name) VALUES (${id}, ${name})`;
    failures = createFailureRepository(sql);
    await failedItem(owners.alice, 'ALICE_1');
    await failedItem(owners.alice, 'ALICE_2');
    await failedItem(owners.bob, 'BOB_1');
    await failedItem(undefined, 'NOBODY_1');
  });
  after(async () => {
    await sql?.end();
    await server?.stop();
  });

  const idsOf = async (ownerId: Parameters<FailureRepository['list']>[0]['ownerId']) => {
    const page = await failures.list({ ownerId, first: 100 });
    assert.equal(page.totalCount, page.items.length, 'counts cover the same rows as the page');
    return page.items.map((f) => f.mediaId).sort();
  };
  const itemsOf = (owner: string | null) =>
    [...items]
      .filter(([, o]) => o === owner)
      .map(([id]) => id)
      .sort();

  it("lists a user's failures only, with counts of theirs only", async () => {
    assert.deepEqual(await idsOf(owners.alice), itemsOf(owners.alice));
    assert.deepEqual(await idsOf(owners.bob), itemsOf(owners.bob));
    const bob = await failures.list({ ownerId: owners.bob, first: 100 });
    assert.deepEqual(
      bob.byStageAndCode.map((c) => [c.code, c.count]),
      [['BOB_1', 1]],
    );
  });

  it('lists every owner’s failures only when asked by EVERY_OWNER', async () => {
    assert.deepEqual(await idsOf(EVERY_OWNER), [...items.keys()].sort());
  });

  it('an owner id that is no user’s (empty, null, undefined, malformed, unknown) lists nothing, never everyone’s', async () => {
    // The resolver passes ctx.principal.userId; a principal lost on the way must not widen the list.
    for (const ownerId of ['', null, undefined, 'not-a-uuid', randomUUID()] as unknown as string[]) {
      const page = await failures.list({ ownerId, first: 100 });
      assert.deepEqual(
        [page.items.length, page.totalCount, page.byStageAndCode.length],
        [0, 0, 0],
        `owner ${JSON.stringify(ownerId)} lists nothing`,
      );
    }
  });
});
