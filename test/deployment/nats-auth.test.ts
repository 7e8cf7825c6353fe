// The nats-server permission files Compose and Kubernetes include: generated from the stage
// catalogue and kept current, and accepted by a real nats-server once the keys are in its environment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '@revive/config';
import { natsServerBinary } from '@revive/local-services';
import { generateNkeyUser, NATS_SERVICES, natsUserVariable, renderDeploymentNatsAuthorization } from '@revive/messaging';

const FILES = ['deploy/docker/nats-auth.conf', 'deploy/k8s/base/nats-auth.conf'];

/** `nats-server -t` on a config that includes the file, with `env` as the server's environment. */
async function configTest(file: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'revive-nats-auth-'));
  try {
    await copyFile(join(repoRoot, file), join(dir, 'nats-auth.conf'));
    await writeFile(join(dir, 'nats.conf'), 'port: -1\ninclude ./nats-auth.conf\n');
    const run = spawnSync(natsServerBinary(), ['-c', join(dir, 'nats.conf'), '-t'], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('deployed NATS permissions', () => {
  it('are what the stage catalogue gives each service today (npm run credentials -- nats-permissions rewrites them)', () => {
    for (const file of FILES) assert.equal(readFileSync(join(repoRoot, file), 'utf8'), renderDeploymentNatsAuthorization(), file);
  });

  it('nats-server accepts them with every public key in its environment, and refuses to start without one', async () => {
    const keys = Object.fromEntries([...NATS_SERVICES, 'admin' as const].map((u) => [natsUserVariable(u), generateNkeyUser().publicKey]));
    for (const file of FILES) {
      const ok = await configTest(file, keys);
      assert.equal(ok.status, 0, `${file}: ${ok.output}`);
      const { [natsUserVariable('publish')]: _missing, ...incomplete } = keys;
      const refused = await configTest(file, incomplete);
      assert.notEqual(refused.status, 0);
      assert.match(refused.output, /variable reference for 'REVIVE_NATS_USER_PUBLISH' .*can not be found/);
    }
  });
});
