import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real nats-server with JetStream on loopback (tests, and `npm start` on one machine). */
export interface RunningNatsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Debian installs nats-server in /usr/sbin, which is not on a normal user's PATH. */
export function natsServerBinary(): string {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) if (existsSync(candidate)) return candidate;
  return 'nats-server';
}

export interface NatsServerOptions {
  /** JetStream store; kept across runs. Omitted: a temporary directory removed on stop. */
  readonly storeDir?: string;
  /** Client port; omitted or 0: a free one. */
  readonly port?: number;
  /** Monitoring port (`nats server check`, /healthz); omitted: a free one. */
  readonly httpPort?: number;
}

/** Starts nats-server with JetStream on loopback and resolves once it accepts clients. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const temporary = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'revive-nats-')));
  await mkdir(storeDir, { recursive: true });
  const args = ['-a', '127.0.0.1', '-p', String(options.port || -1), '-js', '-sd', storeDir, '--http_port', String(options.httpPort ?? -1)];
  const child: ChildProcess = spawn(natsServerBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start within 10 s:\n${log}`)), 10_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
      if (match && /Server is ready/.test(log)) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run nats-server (npm run setup:system installs it): ${e.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}:\n${log}`));
    });
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (temporary) await rm(storeDir, { recursive: true, force: true });
    },
  };
}
