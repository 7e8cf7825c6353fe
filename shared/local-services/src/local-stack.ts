import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from '@revive/config';
import { STAGE_NAMES, type Stage } from '@revive/contracts';
import { inboxPrefixOf, natsClientName, renderNatsAuthorization, type NatsService } from '@revive/messaging';
import { nkeyAuthenticator, type ConnectionOptions } from 'nats';
import { ensureLocalCredentials, type LocalCredentials } from './credentials.ts';
import { freePort } from './free-port.ts';
import { startNatsCluster, type RunningNatsCluster } from './nats-cluster.ts';
import { startNatsServer, type RunningNatsServer } from './nats-server.ts';
import { startPostgres } from './postgres-server.ts';
import { startServiceProcess, type ServiceProcess } from './service-process.ts';

/** The gateway's operator CLI for accounts: the stack makes users the way an operator does. */
const USERS_CLI = 'services/gateway/src/users.cli.ts';

/** Every Revive service, each its own OS process: the gateway and one per stage of the catalogue, in flow order. */
const STAGES = STAGE_NAMES;
export type ServiceName = 'gateway' | Stage;
/** A service's entry file: a stage's service lives in `services/<stage>/`. */
const entryOf = (name: ServiceName) => `services/${name}/src/main.ts`;
export const SERVICES: Readonly<Record<ServiceName, string>> = Object.fromEntries(
  (['gateway', ...STAGES] as ServiceName[]).map((name) => [name, entryOf(name)]),
) as Record<ServiceName, string>;

export interface LocalStackOptions {
  /** State folder (NATS store, PostgreSQL data, objects); temporary stacks pass a temp dir. */
  readonly stateDir: string;
  /** Keep NATS and PostgreSQL data in stateDir (npm start) or throw them away (tests). */
  readonly persistent: boolean;
  readonly natsPort?: number;
  readonly natsHttpPort?: number;
  /** nats-server's ping interval (see NatsServerOptions); its default otherwise. */
  readonly natsPingIntervalSeconds?: number;
  readonly postgresPort?: number;
  readonly gatewayPort?: number;
  /** Extra environment for every service (log level, limits, S3 settings…). */
  readonly env?: NodeJS.ProcessEnv;
  /** Extra environment for one service (its own metrics or health port…), over `env`; `replica` counts from 0. */
  readonly serviceEnv?: (name: ServiceName, replica: number) => NodeJS.ProcessEnv;
  /**
   * Three nats-servers as one JetStream cluster instead of one server (its first member on
   * natsPort, the next ports after it); the stream, consumers and cancelled bucket then default to
   * three replicas (REVIVE_STREAM_REPLICAS), and every service lists all three servers.
   */
  readonly cluster?: boolean;
  /** Processes per stage (default 1): each further one shares the stage's durable consumer. */
  readonly stageReplicas?: number;
  /** Gateways (default 1), each on its own port, all projecting from one durable consumer and fanning updates out to each other. */
  readonly gateways?: number;
  readonly onLine?: (line: string, service: string) => void;
  readonly restartOnExit?: boolean;
  /** The user whose token `token` is, created once the gateway is up (default `tester`); null: none (`token` is then ''). */
  readonly defaultUser?: string | null;
}

export interface LocalStack {
  readonly graphqlUrl: string;
  /** Every gateway's GraphQL URL, the first one's (`graphqlUrl`) first. */
  readonly graphqlUrls: readonly string[];
  /** The server's client URL, or a cluster's members comma-separated (REVIVE_NATS_URL). */
  readonly natsUrl: string;
  /** The JetStream cluster when started with `cluster: true`: its members, to stop, kill or pause one. */
  readonly natsCluster?: RunningNatsCluster;
  /** How the operator connects to NATS (`connect(stack.natsAdmin)`): the `admin` user, every subject. */
  readonly natsAdmin: ConnectionOptions;
  /** The gateway's database URL, password included. */
  readonly databaseUrl: string;
  /** What the stack generated into its state dir: PostgreSQL passwords, one NATS nkey per service. */
  readonly credentials: LocalCredentials;
  /** nats-server's recent log lines (refused connections, permission violations). */
  natsLog(): string;
  /** The environment the services share (each also gets its own NATS seed, the gateway the database URL). */
  readonly env: NodeJS.ProcessEnv;
  readonly services: Readonly<Record<ServiceName, ServiceProcess>>;
  /** An API token of the stack's default user (`tester`), ready to send as `Authorization: Bearer …`; '' when `defaultUser: null`. */
  readonly token: string;
  /** Another user with a fresh API token (through the gateway's own account code). */
  createUser(name: string, options?: { expiresDays?: number }): Promise<{ id: string; token: string; tokenId: string }>;
  /** Another replica of a service (a second gateway needs its own REVIVE_GATEWAY_PORT in `env`). */
  startReplica(name: ServiceName, env?: NodeJS.ProcessEnv): ServiceProcess;
  /** Stages drain first, then the gateway, then NATS and PostgreSQL. */
  stop(): Promise<void>;
}

/** Brings up nats-server, PostgreSQL, the gateway and one process per stage: the whole system on one machine. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stateDir = resolve(options.stateDir);
  // Nobody but this OS user signs in to PostgreSQL or NATS: passwords and nkeys made at first start.
  const credentials = await ensureLocalCredentials(stateDir);
  const publicKeys = Object.fromEntries(Object.entries(credentials.nats).map(([user, key]) => [user, key.publicKey]));
  const authorization = renderNatsAuthorization(publicKeys as Record<NatsService | 'admin', string>);
  let nats: Pick<RunningNatsServer, 'url' | 'log' | 'stop'> | undefined;
  let natsCluster: RunningNatsCluster | undefined;
  let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
  try {
    if (options.cluster) {
      natsCluster = await startNatsCluster({
        storeDir: options.persistent ? join(stateDir, 'nats-cluster') : undefined,
        firstPort: options.natsPort,
        pingIntervalSeconds: options.natsPingIntervalSeconds,
        authorization,
      });
      nats = natsCluster;
    } else {
      nats = await startNatsServer({
        storeDir: options.persistent ? join(stateDir, 'nats') : undefined,
        port: options.natsPort,
        httpPort: options.natsHttpPort,
        pingIntervalSeconds: options.natsPingIntervalSeconds,
        authorization,
      });
    }
    pg = await startPostgres({
      dataDir: options.persistent ? join(stateDir, 'postgres') : undefined,
      port: options.postgresPort,
      passwords: credentials.postgres,
    });
  } catch (error) {
    await nats?.stop();
    throw error;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REVIVE_STATE_DIR: stateDir,
    REVIVE_NATS_URL: nats.url,
    ...(natsCluster ? { REVIVE_STREAM_REPLICAS: process.env.REVIVE_STREAM_REPLICAS ?? String(natsCluster.nodes.length) } : {}),
    REVIVE_GATEWAY_PORT: String(options.gatewayPort ?? (await freePort())),
    ...options.env,
  };
  // Each service signs in to NATS as itself, so it can do only what the catalogue gives its stage; only the gateway reads the database.
  const credentialsOf = (name: ServiceName): NodeJS.ProcessEnv => ({
    REVIVE_NATS_NKEY_SEED: credentials.nats[name].seed,
    ...(name === 'gateway' ? { REVIVE_DATABASE_URL: options.env?.REVIVE_DATABASE_URL ?? pg.url } : {}),
  });
  const replicas: ServiceProcess[] = [];
  const launch = (name: ServiceName, extra: NodeJS.ProcessEnv = {}, replica = 0) => {
    const entry = resolve(repoRoot, SERVICES[name]);
    // Each service's telemetry starts before its main module, as its production command line does.
    const instrumentation = join(dirname(entry), 'instrumentation.ts');
    // Named per process: one OTEL_SERVICE_NAME in the parent's environment must not merge them all.
    const serviceEnv = {
      ...env,
      ...credentialsOf(name),
      OTEL_SERVICE_NAME: `revive-${name}`,
      ...options.serviceEnv?.(name, replica),
      ...extra,
    };
    return startServiceProcess({
      name,
      entry,
      preload: existsSync(instrumentation) ? [instrumentation] : [],
      env: serviceEnv,
      cwd: repoRoot,
      onLine: options.onLine,
      restartOnExit: options.restartOnExit,
    });
  };
  const gateway = launch('gateway');
  const services = { gateway } as Record<ServiceName, ServiceProcess>;
  const stopAll = async () => {
    await Promise.all([...STAGES.map((s) => services[s]?.stop()), ...replicas.map((r) => r.stop())]);
    await gateway.stop();
    await nats?.stop();
    await pg?.stop();
  };
  /** Further stage replicas and gateways (options.stageReplicas, options.gateways); resolves to the further gateways' GraphQL URLs. */
  const startFurtherReplicas = async (): Promise<string[]> => {
    const started: Array<{ process: ServiceProcess; gateway: boolean }> = [];
    for (let replica = 1; replica < (options.stageReplicas ?? 1); replica++)
      for (const stage of STAGES) started.push({ process: launch(stage, {}, replica), gateway: false });
    for (let replica = 1; replica < (options.gateways ?? 1); replica++)
      started.push({ process: launch('gateway', { REVIVE_GATEWAY_PORT: String(await freePort()) }, replica), gateway: true });
    replicas.push(...started.map((s) => s.process));
    const lines = await Promise.all(
      started.map((s) => s.process.waitForLog(s.gateway ? /gateway listening/ : /"msg":"\w+ running"/, 120_000)),
    );
    return lines.flatMap((line, i) => (started[i]!.gateway ? [(JSON.parse(line) as { graphql: string }).graphql] : []));
  };
  try {
    const ready = await gateway.waitForLog(/gateway listening/, 60_000);
    for (const stage of STAGES) services[stage] = launch(stage);
    await Promise.all(STAGES.map((s) => services[s].waitForLog(/"msg":"\w+ running"/, 120_000)));
    const graphqlUrl = (JSON.parse(ready) as { graphql: string }).graphql;
    const graphqlUrls = [graphqlUrl, ...(await startFurtherReplicas())];
    const createUser = (name: string, userOptions: { expiresDays?: number } = {}) =>
      runUsersCli({ ...env, ...credentialsOf('gateway') }, [
        'create',
        name,
        '--json',
        ...(userOptions.expiresDays ? ['--expires-days', String(userOptions.expiresDays)] : []),
      ]);
    const defaultUser = options.defaultUser === undefined ? 'tester' : options.defaultUser;
    const token = defaultUser === null ? '' : (await createUser(defaultUser)).token;
    const runningNats = nats;
    return {
      graphqlUrl,
      graphqlUrls,
      natsUrl: nats.url,
      natsCluster,
      natsAdmin: {
        servers: natsCluster ? [...natsCluster.urls] : nats.url,
        name: natsClientName('admin'),
        inboxPrefix: inboxPrefixOf(natsClientName('admin')),
        authenticator: nkeyAuthenticator(new TextEncoder().encode(credentials.nats.admin.seed)),
      },
      databaseUrl: pg.url,
      credentials,
      natsLog: () => runningNats.log(),
      env,
      services,
      token,
      createUser,
      startReplica: (name, extra) => {
        const replica = launch(name, extra);
        replicas.push(replica);
        return replica;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Runs the users CLI against the stack's database; `create --json` prints one JSON line. */
function runUsersCli(env: NodeJS.ProcessEnv, args: string[]): Promise<{ id: string; token: string; tokenId: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', resolve(repoRoot, USERS_CLI), ...args],
      { env: { ...env, REVIVE_LOG_LEVEL: 'silent' }, cwd: repoRoot, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`users ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
        const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as { userId: string; token: string; tokenId: string };
        resolvePromise({ id: out.userId, token: out.token, tokenId: out.tokenId });
      },
    );
  });
}
