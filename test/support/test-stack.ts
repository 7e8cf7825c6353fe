// How an end-to-end test file starts the real stack, keeps its logs and cleans up after it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultStateDir } from '@revive/config';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '@revive/local-services';

/** Where the end-to-end tests leave their logs and figures. */
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

/** What a test file may ask of its stack beyond the defaults; the other fields go to `startLocalStack` as they are. */
export interface TestStackOptions extends Omit<LocalStackOptions, 'stateDir' | 'persistent' | 'env'> {
  /** Settings over the test defaults (the models `npm ci` built, `info` logs, one inference thread). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * A state folder the test made and filled before the stack starts (certificates, its own
   * nats-server's store), and removes itself; by default a fresh temporary one, removed at stop.
   */
  readonly stateDir?: string;
  /** Start each kept log line with its service's name, where the log would otherwise not say (replicas, a cluster). */
  readonly serviceInLines?: boolean;
  /** Lines written above the service logs, then a blank line: read at stop, so the test may add to it while it runs. */
  readonly preface?: readonly string[];
}

/** The real stack started for one test file. */
export interface TestStack {
  readonly stack: LocalStack;
  readonly stateDir: string;
  /** Every service's log line so far, in arrival order; written to `test-artifacts/<name>.e2e.log` at stop. */
  readonly logs: string[];
  /** Stops the stack, writes the logs and removes the state folder it made. */
  stop(): Promise<void>;
}

/**
 * Starts the whole system (nats-server, PostgreSQL, the gateway, one process per stage) in a
 * temporary, throwaway state folder for the test file `name`. Were it to fail to start, the logs
 * it wrote are kept all the same: they say why.
 */
export async function startTestStack(name: string, options: TestStackOptions = {}): Promise<TestStack> {
  const { env, stateDir: ownStateDir, serviceInLines, preface, onLine, ...passed } = options;
  const stateDir = ownStateDir ?? (await mkdtemp(join(tmpdir(), `revive-${name}-`)));
  const logs: string[] = [];
  const keepLogs = async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const head = preface ? [...preface, ''] : [];
    await writeFile(join(ARTIFACTS, `${name}.e2e.log`), [...head, ...logs].join('\n'));
    if (!ownStateDir) await rm(stateDir, { recursive: true, force: true });
  };
  const stack = await startLocalStack({
    ...passed,
    stateDir,
    persistent: false,
    // The models npm ci built live in the repository's own state folder, not in this temporary one.
    env: { REVIVE_MODELS_DIRS: join(defaultStateDir, 'models'), REVIVE_LOG_LEVEL: 'info', REVIVE_INFERENCE_THREADS: '1', ...env },
    onLine: (line, service) => {
      logs.push(serviceInLines ? `${service} ${line}` : line);
      onLine?.(line, service);
    },
  }).catch(async (error: unknown) => {
    await keepLogs();
    throw error;
  });
  return {
    stack,
    stateDir,
    logs,
    async stop() {
      await stack.stop();
      await keepLogs();
    },
  };
}
