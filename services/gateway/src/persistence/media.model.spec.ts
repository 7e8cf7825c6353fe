import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import { startPostgres, type RunningPostgres } from '@revive/testing';
import { createMediaRepository, type MediaRepository } from './media.repository.ts';
import { migrate } from './migrate.ts';

describe('media record (real PostgreSQL)', () => {
  let server: RunningPostgres;
  let sql: Sql;
  let repo: MediaRepository;
  before(async () => {
    server = await startPostgres();
    sql = postgres(server.url, { max: 2, onnotice: () => {} });
    await migrate(sql);
    repo = createMediaRepository(sql);
  });
  after(async () => {
    await sql?.end();
    await server?.stop();
  });

  it('reads an item stored before an option existed with that option at its default', async () => {
    const id = randomUUID();
    await repo.create({
      id,
      kind: 'image',
      filename: 'old.jpg',
      contentType: 'image/jpeg',
      bytes: 1000,
      options: { scale: 4, colorize: 'off', repair: 'on', frameRateFactor: 1 },
      originalKey: `media/${id}/original.jpg`,
    });
    // The row as a gateway from before the repair stage wrote it.
    await sql`UPDATE media SET options = options - 'repair' WHERE id = ${id}`;
    const [stored] = await sql`SELECT options FROM media WHERE id = ${id}`;
    assert.deepEqual(stored!.options, { scale: 4, colorize: 'off', frameRateFactor: 1 });

    const media = await repo.get(id);
    assert.deepEqual(
      media?.options,
      { scale: 4, colorize: 'off', repair: 'auto', frameRateFactor: 1 },
      'the stored choices kept, the new one at its default',
    );
  });
});
