import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** A real nats-server with JetStream on loopback (tests, and `npm start` on one machine). */
export interface RunningNatsServer {
  readonly url: string;
  readonly port: number;
  /** Its `server_name` (the name stream info gives a cluster's leader and replicas by). */
  readonly name: string;
  /** Its monitoring port (/healthz, /jsz). */
  readonly httpPort: number;
  /** Whether every JetStream write is fsynced (`sync_interval: always`, nats-server 2.10+); see below. */
  readonly syncAlways: boolean;
  /** The server's recent log lines (authorization errors and permission violations among them). */
  log(): string;
  /** Stops the server (SIGTERM, or SIGKILL: a crash) and starts it again on the same port and store, for tests. */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Ends the process without starting it again (SIGKILL: a crash); `relaunch` brings it back on the same port and store. */
  kill(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  relaunch(): Promise<void>;
  /** Freezes the process (SIGSTOP: a node that hangs, not one that dies) until `resume` (SIGCONT). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** One server's part in a JetStream cluster: routes to its peers on loopback. */
export interface NatsClusterMembership {
  readonly name: string;
  /** This server's route port. */
  readonly port: number;
  /** Every member's route port (its own among them: the server ignores a route to itself). */
  readonly routes: readonly number[];
}

/** Debian installs nats-server in /usr/sbin, which is not on a normal user's PATH. */
export function natsServerBinary(): string {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'])
    if (existsSync(candidate)) return candidate;
  return 'nats-server';
}

export interface NatsServerOptions {
  /** JetStream store; kept across runs. Omitted: a temporary directory removed on stop. */
  readonly storeDir?: string;
  /** Client port; omitted or 0: a free one. */
  readonly port?: number;
  /** Monitoring port (`nats server check`, /healthz); omitted: a free one. */
  readonly httpPort?: number;
  /**
   * How often the server pings each client; after two unanswered pings it closes the connection
   * (a client frozen by SIGSTOP, a suspended VM). nats-server's default is two minutes; tests that
   * freeze a service for longer than this set it low.
   */
  readonly pingIntervalSeconds?: number;
  /**
   * nats-server's `authorization` block (messaging's renderNatsAuthorization): only its users may
   * connect, each within its permissions. Omitted: anonymous clients are accepted, which only a
   * throwaway server for one spec may do; startLocalStack always passes one.
   */
  readonly authorization?: string;
  /** `server_name`; omitted: `revive-<port>`. A cluster's members need distinct ones. */
  readonly serverName?: string;
  /** Member of a JetStream cluster (startNatsCluster); omitted: a server on its own. */
  readonly cluster?: NatsClusterMembership;
}

/** The installed server's version as [major, minor], or undefined when it cannot be read. */
function natsServerVersion(binary: string): [number, number] | undefined {
  try {
    const match = /v?(\d+)\.(\d+)\./.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }));
    return match ? [Number(match[1]), Number(match[2])] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts nats-server with JetStream on loopback and resolves once it accepts clients.
 *
 * Durability: with 2.10 or newer the store fsyncs every write (`sync_interval: always`, as the
 * Compose and Kubernetes configs do), so an acknowledged event survives a power loss. 2.9 (Debian
 * bookworm's) has no such setting (it rejects the field) and fsyncs its file store only every two
 * minutes and when a block fills; each write still reaches the OS before the publish is
 * acknowledged, so a killed nats-server loses nothing, but a power loss or kernel crash can lose up
 * to the last two minutes of acknowledged events.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const temporary = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'revive-nats-')));
  await mkdir(storeDir, { recursive: true });
  const binary = natsServerBinary();
  const version = natsServerVersion(binary);
  const syncAlways = version !== undefined && (version[0] > 2 || (version[0] === 2 && version[1] >= 10));
  const port = options.port || (await freePort());
  const httpPort = options.httpPort || (await freePort());
  const name = options.serverName ?? `revive-${port}`;
  const config: string[] = [`server_name: ${JSON.stringify(name)}`];
  if (options.cluster) {
    const routes = options.cluster.routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
    config.push(
      `cluster {\n  name: ${JSON.stringify(options.cluster.name)}\n  listen: 127.0.0.1:${options.cluster.port}\n  routes: [${routes}]\n}`,
    );
  }
  if (syncAlways) config.push(`jetstream {\n  store_dir: ${JSON.stringify(storeDir)}\n  sync_interval: always\n}`);
  if (options.pingIntervalSeconds !== undefined) config.push(`ping_interval: "${options.pingIntervalSeconds}s"`, 'ping_max: 2');
  if (options.authorization) config.push(options.authorization);
  const configFile = join(storeDir, 'revive-nats.conf');
  await writeFile(configFile, `${config.join('\n')}\n`, { mode: 0o600 });
  await chmod(configFile, 0o600);
  const configArgs = ['-c', configFile];
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-65_536);
  };
  const launch = async () => {
    const args = [...configArgs, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '--http_port', String(httpPort)];
    const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start within 10 s:\n${log}`)), 10_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (/Listening for client connections/.test(log) && /Server is ready/.test(log)) {
          clearTimeout(timer);
          // From here on only the bounded tail is kept.
          child.stdout?.off('data', onData);
          child.stderr?.off('data', onData);
          resolve();
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
    return child;
  };
  const terminate = async (child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  let current = await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    name,
    httpPort,
    syncAlways,
    log: () => tail,
    async restart(signal = 'SIGTERM') {
      await terminate(current, signal);
      current = await launch();
    },
    async kill(signal = 'SIGKILL') {
      await terminate(current, signal);
    },
    async relaunch() {
      if (current.exitCode === null && current.signalCode === null) return;
      current = await launch();
    },
    pause() {
      current.kill('SIGSTOP');
    },
    resume() {
      current.kill('SIGCONT');
    },
    async stop() {
      // A paused server would never see the SIGTERM.
      current.kill('SIGCONT');
      await terminate(current);
      if (temporary) await rm(storeDir, { recursive: true, force: true });
    },
  };
}
