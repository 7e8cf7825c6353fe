import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import postgres, { type Sql } from 'postgres';
import { startPostgres, type RunningPostgres } from '@revive/testing';
import { loadMigrations, migrate, MigrationChecksumError } from './migrate.ts';

describe('migrate (real PostgreSQL)', () => {
  let server: RunningPostgres;
  let sql: Sql;
  before(async () => {
    server = await startPostgres();
    sql = postgres(server.url, { max: 2, onnotice: () => {} });
  });
  after(async () => {
    await sql?.end();
    await server?.stop();
  });

  it('applies every migration once and records its checksum; running again does nothing', async () => {
    const files = await loadMigrations();
    assert.deepEqual(
      await migrate(sql),
      files.map((m) => m.version),
    );
    assert.deepEqual(await migrate(sql), []);
    const recorded = await sql`SELECT version, sha256 FROM schema_migrations ORDER BY version`;
    assert.deepEqual(
      [...recorded],
      files.map((m) => ({ version: m.version, sha256: m.sha256 })),
    );
    const tables = await sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`;
    assert.deepEqual(
      tables.map((t) => t.table_name),
      ['api_tokens', 'media', 'media_failures', 'projected_events', 'schema_migrations', 'users', 'webhook_deliveries', 'webhook_outbox'],
    );
  });

  it('refuses to start when an applied migration was edited, and applies only new files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'revive-migrations-'));
    try {
      const url = pathToFileURL(`${dir}/`);
      await cp(new URL('./migrations/', import.meta.url), dir, { recursive: true });
      await writeFile(join(dir, '9000_extra.sql'), 'CREATE TABLE extra (n int);');
      assert.deepEqual(await migrate(sql, { dir: url }), ['9000']);

      await writeFile(join(dir, '0001_media.sql'), '-- edited after it was applied\n', { flag: 'a' });
      await assert.rejects(
        migrate(sql, { dir: url }),
        (e: unknown) => e instanceof MigrationChecksumError && e.version === '0001' && !e.retryable,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets replicas that start together migrate one database without racing', async () => {
    const admin = postgres(server.adminUrl, { max: 1 });
    await admin`CREATE DATABASE race OWNER revive`;
    await admin.end();
    const replicas = [1, 2, 3].map(() => postgres(server.url.replace(/\/revive$/, '/race'), { max: 1, onnotice: () => {} }));
    try {
      const results = await Promise.all(replicas.map((r) => migrate(r)));
      const versions = (await loadMigrations()).map((m) => m.version);
      assert.deepEqual(results.flat().sort(), versions, 'each migration applied by exactly one replica');
      const [{ n }] = (await replicas[0]!`SELECT count(*)::int AS n FROM schema_migrations`) as unknown as [{ n: number }];
      assert.equal(n, versions.length);
    } finally {
      await Promise.all(replicas.map((r) => r.end()));
    }
  });
});
