import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import { stagesOf } from '@revive/contracts';
import { startPostgres, type RunningPostgres } from '@revive/testing';
import { createMediaRepository, cursorOf, type MediaRepository, type NewMedia } from './media.repository.ts';
import { migrate } from './migrate.ts';
import { InvalidCursorError, InvalidPageSizeError } from './pagination.ts';

const options = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 } as const;
const newMedia = (overrides: Partial<NewMedia> = {}): NewMedia => {
  const id = randomUUID();
  return {
    id,
    kind: 'image',
    filename: 'grandma.jpg',
    contentType: 'image/jpeg',
    bytes: 123_456,
    options,
    originalKey: `media/${id}/original.jpg`,
    ...overrides,
  };
};

describe('media repository (real PostgreSQL)', () => {
  let server: RunningPostgres;
  let sql: Sql;
  let repo: MediaRepository;
  before(async () => {
    server = await startPostgres();
    sql = postgres(server.url, { max: 4, onnotice: () => {} });
    await migrate(sql);
    repo = createMediaRepository(sql);
  });
  after(async () => {
    await sql?.end();
    await server?.stop();
  });

  it('creates a queued item with every stage of its kind pending, and reads it back', async () => {
    const input = newMedia({
      kind: 'video',
      filename: 'wedding.mp4',
      contentType: 'video/mp4',
      bytes: 5_000_000_000,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    const created = await repo.create(input);
    assert.equal(created.status, 'QUEUED');
    assert.equal(created.bytes, 5_000_000_000, 'sizes past 2 GiB survive the bigint column');
    assert.deepEqual(created.options, options);
    assert.deepEqual(
      created.stages.map((s) => [s.stage, s.status, s.progress]),
      stagesOf('video').map((stage) => [stage, 'PENDING', 0]),
    );
    assert.equal(created.traceId, input.traceId);
    assert.equal(created.resultKey, null);
    assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(await repo.get(input.id), created);
    assert.equal(await repo.get(randomUUID()), undefined);
    assert.equal(await repo.get('not-a-uuid'), undefined, 'a malformed id is simply not found');
  });

  it('pages newest first with opaque cursors, without gaps or repeats across three pages', async () => {
    await sql`DELETE FROM media`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await repo.create(newMedia({ filename: `photo-${i}.jpg` }))).id);
    // Equal timestamps are the hard case for keyset pagination: the id must break the tie.
    await sql`UPDATE media SET created_at = '2026-01-01T00:00:00Z' WHERE id IN ${sql(ids.slice(2, 5))}`;
    const expected = (await sql`SELECT id FROM media ORDER BY created_at DESC, id DESC`).map((r) => r.id as string);

    const first = await repo.list({ first: 3 });
    assert.equal(first.items.length, 3);
    assert.equal(first.hasNextPage, true);
    assert.equal(first.endCursor, first.items.at(-1)!.cursor);
    assert.equal(first.items[0]!.cursor, cursorOf(first.items[0]!));
    const second = await repo.list({ first: 3, after: first.endCursor });
    assert.equal(second.hasNextPage, true);
    const third = await repo.list({ first: 3, after: second.endCursor });
    assert.equal(third.items.length, 1);
    assert.equal(third.hasNextPage, false);
    assert.deepEqual(
      [...first.items, ...second.items, ...third.items].map((m) => m.id),
      expected,
    );

    const empty = await repo.list({ first: 3, after: third.endCursor });
    assert.deepEqual(empty, { items: [], hasNextPage: false, endCursor: null });
    assert.equal((await repo.list({ first: 7 })).hasNextPage, false, 'an exact fit has no next page');
  });

  it('rejects cursors it did not issue and page sizes out of range as the client’s mistake', async () => {
    const bad = [
      'garbage!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('["yesterday","x"]').toString('base64url'),
      Buffer.from(`["2026-01-01","${randomUUID()}"]`).toString('base64url'),
    ];
    for (const after of bad) {
      await assert.rejects(repo.list({ first: 2, after }), (e: unknown) => e instanceof InvalidCursorError && e.code === 'BAD_USER_INPUT');
    }
    for (const first of [-1, 1.5, 101]) {
      await assert.rejects(repo.list({ first }), (e: unknown) => e instanceof InvalidPageSizeError && e.code === 'BAD_USER_INPUT');
    }
  });

  it('removes an item whose upload was rolled back', async () => {
    const media = await repo.create(newMedia());
    assert.equal(await repo.remove(media.id), true);
    assert.equal(await repo.get(media.id), undefined);
    assert.equal(await repo.remove(media.id), false);
  });
});
