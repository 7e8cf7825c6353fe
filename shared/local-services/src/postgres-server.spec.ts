import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import postgres from 'postgres';
import { generatePassword } from './credentials.ts';
import { startPostgres } from './postgres-server.ts';

/** What the server answers a sign-in: its SQLSTATE and message, or 'ok'. */
async function signIn(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return 'ok';
  } catch (error) {
    const e = error as { code?: string; message: string };
    return `${e.code}: ${e.message}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

describe('PostgreSQL (real, loopback)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('starts a temporary server whose revive database answers queries, and removes it on stop', async () => {
    const server = await startPostgres();
    assert.match(server.url, /^postgres:\/\/revive:[\w-]{43}@127\.0\.0\.1:\d+\/revive$/);
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
    const admin = postgres(server.adminUrl, { max: 1 });
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

  it('lets no one in without the password: not the application role, not the superuser, over TCP or with a wrong one', async () => {
    const server = await startPostgres();
    cleanup.push(() => server.stop());
    const base = `127.0.0.1:${server.port}`;
    assert.equal(await signIn(server.url), 'ok');
    assert.match(await signIn(`postgres://revive@${base}/revive`), /^28P01: password authentication failed for user "revive"$/);
    assert.match(await signIn(`postgres://postgres@${base}/postgres`), /^28P01: password authentication failed for user "postgres"$/);
    assert.match(await signIn(`postgres://revive:${generatePassword()}@${base}/revive`), /^28P01: /);
    // The application role cannot run programs on the host, the way a superuser could.
    const sql = postgres(server.url, { max: 1, onnotice: () => {} });
    try {
      await assert.rejects(sql`COPY (SELECT 1) TO PROGRAM 'true'`, /permission denied|must be superuser/);
    } finally {
      await sql.end();
    }
  });

  it('closes a cluster from before passwords (pg_hba trusting loopback) on its next start, with the passwords it is given', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'revive-pg-spec-'));
    cleanup.push(() => rm(parent, { recursive: true, force: true }));
    await chmod(parent, 0o755);
    const dataDir = join(parent, 'cluster');
    const first = await startPostgres({ dataDir });
    await first.stop();
    // What earlier versions wrote: every local user was the superuser.
    await writeFile(join(dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    const passwords = { superuser: generatePassword(), app: generatePassword() };
    const second = await startPostgres({ dataDir, passwords });
    cleanup.push(() => second.stop());
    assert.doesNotMatch(await readFile(join(dataDir, 'pg_hba.conf'), 'utf8'), /trust/);
    assert.equal(await signIn(second.adminUrl), 'ok');
    assert.ok(second.url.includes(passwords.app) && second.adminUrl.includes(passwords.superuser));
    assert.match(await signIn(`postgres://postgres@127.0.0.1:${second.port}/postgres`), /^28P01: /);
    assert.match(await signIn(first.url.replace(/:\d+\//, `:${second.port}/`)), /^28P01: /, "the first run's password no longer works");
    await second.stop();
  });
});
