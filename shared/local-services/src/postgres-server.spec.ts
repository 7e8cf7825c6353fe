import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import postgres from 'postgres';
import { startPostgres } from './postgres-server.ts';

describe('PostgreSQL (real, loopback)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('starts a temporary server whose revive database answers queries, and removes it on stop', async () => {
    const server = await startPostgres();
    assert.match(server.url, /^postgres:\/\/revive@127\.0\.0\.1:\d+\/revive$/);
    const sql = postgres(server.url, { max: 1 });
    try {
      const [row] = await sql<{ user: string; db: string; encoding: string; addr: string }[]>`
        SELECT current_user AS user, current_database() AS db, pg_encoding_to_char(encoding) AS encoding, inet_server_addr()::text AS addr
        FROM pg_database WHERE datname = current_database()`;
      assert.deepEqual(row, { user: 'revive', db: 'revive', encoding: 'UTF8', addr: '127.0.0.1/32' });
      await sql`CREATE TABLE t (n int)`; // the role owns its database
    } finally {
      await sql.end();
    }
    const admin = postgres({ host: '127.0.0.1', port: server.port, user: 'postgres', max: 1 });
    const [{ dataDir }] = (await admin`SELECT current_setting('data_directory') AS "dataDir"`) as unknown as [{ dataDir: string }];
    await admin.end();
    await server.stop();
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')) === false, 'temporary cluster removed');
  });

  it('keeps data across a restart on the same directory, even after a stale postmaster.pid', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'revive-pg-spec-'));
    cleanup.push(() => rm(parent, { recursive: true, force: true }));
    await chmod(parent, 0o755); // mkdtemp's 0700 would lock the postgres user out when we run as root
    const dataDir = join(parent, 'cluster');

    const first = await startPostgres({ dataDir });
    cleanup.push(() => first.stop());
    const one = postgres(first.url, { max: 1, onnotice: () => {} });
    await one`CREATE TABLE IF NOT EXISTS kept (note text)`;
    await one`INSERT INTO kept VALUES ('survives a restart')`;
    await one.end();
    await first.stop();

    // As if the machine had crashed: a lock file naming a process that no longer exists.
    await writeFile(join(dataDir, 'postmaster.pid'), `999999\n${dataDir}\n0\n${first.port}\n\n\n`);
    const second = await startPostgres({ dataDir });
    cleanup.push(() => second.stop());
    const two = postgres(second.url, { max: 1 });
    try {
      assert.deepEqual(await two`SELECT note FROM kept`.then((r) => [...r]), [{ note: 'survives a restart' }]);
    } finally {
      await two.end();
    }
    await second.stop();
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')), 'a given data directory is never removed');
  });
});
