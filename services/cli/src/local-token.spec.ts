import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLoopback, withLocalToken } from './local-token.ts';

describe('the local owner token', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-cli-token-'));
    await mkdir(join(dir, '.revive'));
    await writeFile(join(dir, '.revive', 'owner-token'), 'rv_local\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('knows loopback URLs', () => {
    for (const url of [
      'http://127.0.0.1:4000/graphql',
      'http://localhost:4000/graphql',
      'http://[::1]:4000/graphql',
      'http://127.1.2.3/graphql',
    ])
      assert.equal(isLoopback(url), true, url);
    for (const url of ['http://example.com/graphql', 'http://10.0.0.5/graphql', 'http://127.0.0.1.example.com/graphql'])
      assert.equal(isLoopback(url), false, url);
  });

  it('is used for a loopback gateway when no token was given, from .revive or $REVIVE_STATE_DIR', async () => {
    assert.equal((await withLocalToken({ url: 'http://127.0.0.1:4000/graphql', token: null }, {}, dir)).token, 'rv_local');
    assert.equal(
      (
        await withLocalToken(
          { url: 'http://127.0.0.1:4000/graphql', token: null },
          { REVIVE_STATE_DIR: join(dir, '.revive') },
          '/nonexistent',
        )
      ).token,
      'rv_local',
    );
  });

  it('never overrides a given token, never goes to a remote gateway, and is optional', async () => {
    assert.equal((await withLocalToken({ url: 'http://127.0.0.1:4000/graphql', token: 'rv_given' }, {}, dir)).token, 'rv_given');
    assert.equal((await withLocalToken({ url: 'https://revive.example.com/graphql', token: null }, {}, dir)).token, null);
    assert.equal((await withLocalToken({ url: 'http://127.0.0.1:4000/graphql', token: null }, {}, join(dir, 'nowhere'))).token, null);
  });
});
