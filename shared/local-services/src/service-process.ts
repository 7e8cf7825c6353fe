import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/** One Revive service run as its own OS process, as in production (one pod per service). */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves when the process has written a log line matching `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Freezes / thaws the process (SIGSTOP / SIGCONT): a stage that is busy elsewhere, for tests. */
  pause(): void;
  resume(): void;
  /** Kills without draining (a crash, for tests), then starts it again. */
  crashAndRestart(): Promise<void>;
  /** SIGTERM (the service drains in-flight work), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface ServiceProcessOptions {
  readonly name: string;
  /** The service's entry file (TypeScript, run through tsx). */
  readonly entry: string;
  /** Files loaded with --import before the entry (the service's instrumentation.ts), as in production. */
  readonly preload?: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Every output line, already prefixed with nothing: pino JSON carries `service`. */
  readonly onLine?: (line: string, name: string) => void;
  /** Restart after an unexpected exit (npm start's supervisor); tests usually want false. */
  readonly restartOnExit?: boolean;
}

export function startServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  let child: ChildProcess;
  let stopping = false;
  let restarts = 0;
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (l: string) => void }>();

  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > 500) lines.shift();
    options.onLine?.(line, options.name);
    for (const w of waiters) {
      if (!w.pattern.test(line)) continue;
      waiters.delete(w);
      w.resolve(line);
    }
  };

  const launch = () => {
    const preload = (options.preload ?? []).flatMap((file) => ['--import', pathToFileURL(file).href]);
    child = spawn(process.execPath, ['--import', 'tsx', ...preload, options.entry], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code, signal) => {
      if (stopping || !options.restartOnExit) return;
      restarts += 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(restarts, 6));
      onLine(
        JSON.stringify({ level: 40, service: 'supervisor', msg: `${options.name} exited (${signal ?? code}); restarting in ${delay} ms` }),
      );
      setTimeout(() => stopping || launch(), delay).unref();
    });
  };
  launch();

  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve(c.exitCode)
      : new Promise<number | null>((r) => c.once('exit', (code) => r(code)));

  return {
    name: options.name,
    get pid() {
      return child.pid;
    },
    waitForLog(pattern, timeoutMs = 60_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `${options.name}: no log line matching ${pattern} within ${timeoutMs} ms; last lines:\n${lines.slice(-20).join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
    async crashAndRestart() {
      const old = child;
      stopping = true;
      old.kill('SIGKILL');
      await exited(old);
      stopping = false;
      lines.length = 0;
      launch();
    },
    async stop(graceMs = 30_000) {
      stopping = true;
      const c = child;
      if (c.exitCode !== null || c.signalCode !== null) return c.exitCode;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
      const code = await exited(c);
      clearTimeout(timer);
      return code;
    },
  };
}
