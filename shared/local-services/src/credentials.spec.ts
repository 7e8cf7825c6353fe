import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadPlatformConfig, localCredentialPaths } from '@revive/config';
import { NATS_SERVICES } from '@revive/messaging';
import { ensureLocalCredentials } from './credentials.ts';

describe('local credentials', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('are made once per state dir, kept across starts, and readable by this OS user only', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'revive-credentials-spec-'));
    dirs.push(stateDir);
    const first = await ensureLocalCredentials(stateDir);
    assert.deepEqual(Object.keys(first.nats).sort(), [...NATS_SERVICES, 'admin'].sort());
    assert.equal(new Set(Object.values(first.nats).map((k) => k.publicKey)).size, NATS_SERVICES.length + 1, 'one key each');
    assert.notEqual(first.postgres.app, first.postgres.superuser);
    const paths = localCredentialPaths(stateDir);
    await chmod(paths.natsSeed('gateway'), 0o644); // loosened by hand, or by a copy
    const again = await ensureLocalCredentials(stateDir);
    assert.deepEqual(again, first);
    for (const file of [paths.postgres, ...[...NATS_SERVICES, 'admin'].map(paths.natsSeed)])
      assert.equal((await stat(file)).mode & 0o777, 0o600, file);
    for (const dir of [paths.dir, paths.natsDir]) assert.equal((await stat(dir)).mode & 0o777, 0o700, dir);
  });

  it("give operator tools (npm run users) the local database's password when no REVIVE_DATABASE_URL is set", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'revive-credentials-spec-'));
    dirs.push(stateDir);
    assert.equal(loadPlatformConfig({ REVIVE_STATE_DIR: stateDir }).database.url, 'postgres://revive@127.0.0.1:5433/revive');
    const { postgres } = await ensureLocalCredentials(stateDir);
    assert.equal(
      loadPlatformConfig({ REVIVE_STATE_DIR: stateDir }).database.url,
      `postgres://revive:${postgres.app}@127.0.0.1:5433/revive`,
    );
    const given = 'postgres://revive:x@db.example:5432/revive';
    assert.equal(loadPlatformConfig({ REVIVE_STATE_DIR: stateDir, REVIVE_DATABASE_URL: given }).database.url, given);
  });

  it('refuse a NATS seed that is not a user seed, naming the setting', () => {
    assert.throws(() => loadPlatformConfig({ REVIVE_NATS_NKEY_SEED: 'UABC' }), /REVIVE_NATS_NKEY_SEED/);
    assert.equal(loadPlatformConfig({ REVIVE_NATS_NKEY_SEED: `SU${'A'.repeat(56)}` }).nats.nkeySeed, `SU${'A'.repeat(56)}`);
  });
});
