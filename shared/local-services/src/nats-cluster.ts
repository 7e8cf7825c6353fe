import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { startNatsServer, type NatsServerOptions, type RunningNatsServer } from './nats-server.ts';

/** Three (or more) nats-servers on loopback forming one JetStream cluster, for tests and `npm start -- --cluster`. */
export interface RunningNatsCluster {
  readonly nodes: readonly RunningNatsServer[];
  /** Every member's client URL, comma-separated: what REVIVE_NATS_URL takes, so clients fail over between them. */
  readonly url: string;
  readonly urls: readonly string[];
  /** The member of that `server_name` (stream info names a leader and replicas by it). */
  node(name: string): RunningNatsServer;
  /** Resolves once every running member reports a healthy JetStream (meta leader known, its streams caught up). */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Every member's recent log lines, each prefixed with its name. */
  log(): string;
  stop(): Promise<void>;
}

export interface NatsClusterOptions extends Pick<NatsServerOptions, 'authorization' | 'pingIntervalSeconds'> {
  /** Members; Raft needs a majority, so three tolerate the loss of one. */
  readonly size?: number;
  /** Each member keeps its store in `<storeDir>/<name>`; omitted: temporary directories. */
  readonly storeDir?: string;
  /** The first member's client port; the others take the next ones. Omitted: free ports. */
  readonly firstPort?: number;
}

const CLUSTER_NAME = 'revive';

/** A member is healthy when /healthz says so: JetStream enabled, the meta group has a leader, its assets are current. */
async function healthy(node: RunningNatsServer): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${node.httpPort}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok && ((await res.json()) as { status?: string }).status === 'ok';
  } catch {
    return false;
  }
}

/**
 * Starts a JetStream cluster on loopback: each member its own store, client port and route port,
 * routes to every other member, and the same authorization block (routes themselves are not
 * authenticated: they listen on loopback only). Resolves once the cluster has elected its meta leader.
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<RunningNatsCluster> {
  const size = options.size ?? 3;
  const members = await Promise.all(
    Array.from({ length: size }, async (_, i) => ({
      name: `revive-${i + 1}`,
      clientPort: options.firstPort ? options.firstPort + i : await freePort(),
      routePort: await freePort(),
    })),
  );
  const routes = members.map((m) => m.routePort);
  // Started together: each waits for a majority of its peers before JetStream is up.
  const started = await Promise.allSettled(
    members.map((m) =>
      startNatsServer({
        storeDir: options.storeDir === undefined ? undefined : join(options.storeDir, m.name),
        port: m.clientPort,
        serverName: m.name,
        cluster: { name: CLUSTER_NAME, port: m.routePort, routes },
        authorization: options.authorization,
        pingIntervalSeconds: options.pingIntervalSeconds,
      }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const cluster: RunningNatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url),
    url: nodes.map((n) => n.url).join(','),
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no cluster member named ${name} (members: ${nodes.map((n) => n.name).join(', ')})`);
      return found;
    },
    async waitUntilHealthy(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(nodes.map(healthy));
        if (states.every(Boolean)) return;
        if (Date.now() > deadline)
          throw new Error(
            `JetStream cluster not healthy within ${timeoutMs} ms (unhealthy: ${nodes
              .filter((_, i) => !states[i])
              .map((n) => n.name)
              .join(', ')})`,
          );
        // Not faster: each failed check is a warning in the member's log.
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    log: () =>
      nodes
        .flatMap((n) =>
          n
            .log()
            .split('\n')
            .map((line) => `${n.name} ${line}`),
        )
        .join('\n'),
    stop,
  };
  try {
    await cluster.waitUntilHealthy();
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}
