import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultStateDir } from '@revive/config';
import { startLocalStack, type LocalStack } from '@revive/local-services';

const artifacts = resolve(import.meta.dirname, '../../test-artifacts');

/** A whole system for one security test file, with its logs; `stop` ends it, keeps the logs in test-artifacts/ and removes its state. */
export interface SecurityStack {
  readonly stack: LocalStack;
  /** Every service's log lines so far (JSON), in arrival order. */
  readonly logs: string[];
  stop(): Promise<void>;
}

/** Starts the real stack (nats-server, PostgreSQL, gateway, every stage) in a temporary folder, with `env` over the test defaults. */
export async function startSecurityStack(name: string, env: NodeJS.ProcessEnv = {}): Promise<SecurityStack> {
  const stateDir = await mkdtemp(join(tmpdir(), `revive-security-${name}-`));
  const logs: string[] = [];
  const stack = await startLocalStack({
    stateDir,
    persistent: false,
    env: {
      REVIVE_MODELS_DIRS: join(defaultStateDir, 'models'),
      REVIVE_LOG_LEVEL: 'info',
      REVIVE_INFERENCE_THREADS: '1',
      ...env,
    },
    onLine: (line) => logs.push(line),
  }).catch(async (error: unknown) => {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  });
  return {
    stack,
    logs,
    async stop() {
      await stack.stop();
      await mkdir(artifacts, { recursive: true });
      await writeFile(join(artifacts, `security-${name}.e2e.log`), logs.join('\n'));
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
