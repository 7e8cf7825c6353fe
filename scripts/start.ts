// `npm start`: the whole of Revive on this machine: nats-server (JetStream), PostgreSQL, the
// gateway and one OS process per stage, state under .revive/. Ctrl-C drains and stops it all;
// the next start finds the same media, events and objects. `npm start -- --cluster` (or
// REVIVE_CLUSTER=on) runs it on a three-server JetStream cluster with two of every service.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bundledModelDirs, loadPlatformConfig, localCredentialPaths } from '@revive/config';
import { ensureLocalTls, localMachineHosts, SERVICES, startLocalStack, type LocalTlsFiles, type ServiceName } from '@revive/local-services';
import { createModelRegistry } from '@revive/model-runtime';
import { DEFAULT_SUPERRES_MODELS } from '@revive/superres';

const config = loadPlatformConfig(process.argv.includes('--cluster') ? { ...process.env, REVIVE_CLUSTER: 'on' } : process.env);
const cluster = config.localCluster;
/** Processes of each service: two in a cluster, so each service survives the loss of one. */
const perService = cluster ? 2 : 1;
const models = await createModelRegistry(config.inference.modelDirs).list();
const usable = new Set(models.filter((m) => m.status === 'ok').map((m) => m.id));
// Every model committed with the code is there for a stage to run, so each must load (a refused
// one is a broken checkout, e.g. its ONNX file missing); so must the super-resolution model chosen
// for each factor, which may be one installed apart from the code.
const committed = models.filter((m) => bundledModelDirs.includes(dirname(m.manifestPath))).map((m) => m.id);
const needed = new Set([...committed, ...Object.values({ ...DEFAULT_SUPERRES_MODELS, ...config.inference.superresModels })]);
const missing = [...needed].filter((id) => !usable.has(id));
if (missing.length > 0) {
  console.error(`revive: models missing: ${missing.join(', ')}; run npm ci (it builds them), then npm run models to see why`);
  process.exit(1);
}

const natsPort = Number(new URL(config.nats.url).port || 4222);
const pgPort = Number(new URL(config.database.url).port || 5433);
// One process per service on one machine: REVIVE_METRICS_PORT and REVIVE_HEALTH_PORT name the
// gateway's port and the others count up from it in SERVICES order (9464, 9465, …), second
// replicas (in a cluster) after all the first ones.
const order = Object.keys(SERVICES) as ServiceName[];
const metricsBase = config.telemetry.prometheus?.port;
const healthBase = config.health.port;
const portOf = (base: number, name: ServiceName, replica: number) => base + replica * order.length + order.indexOf(name);
const serviceEnv = (name: ServiceName, replica: number): NodeJS.ProcessEnv => ({
  ...(metricsBase ? { REVIVE_METRICS_PORT: String(portOf(metricsBase, name, replica)) } : {}),
  ...(healthBase ? { REVIVE_HEALTH_PORT: String(portOf(healthBase, name, replica)) } : {}),
});

// HTTPS: the operator's certificate (REVIVE_TLS_CERT_FILE/KEY_FILE reach the gateway as they are),
// or REVIVE_TLS=local: a CA made on first start under .revive/tls certifies this machine's names.
let localTls: LocalTlsFiles | undefined;
if (!config.gateway.tls && config.localTls.mode === 'local') {
  // The public URL's host too (REVIVE_PUBLIC_URL=https://photos.lan:4000), unless it is a listen-anywhere address.
  const publicHost = new URL(config.gateway.publicUrl).hostname.replace(/^\[|\]$/g, '');
  const hosts = config.localTls.hosts ?? [...localMachineHosts(), ...(['0.0.0.0', '::'].includes(publicHost) ? [] : [publicHost])];
  localTls = await ensureLocalTls(join(config.stateDir, 'tls'), hosts);
}
const tlsEnv: NodeJS.ProcessEnv = localTls ? { REVIVE_TLS_CERT_FILE: localTls.certFile, REVIVE_TLS_KEY_FILE: localTls.keyFile } : {};

console.error(
  `revive: starting ${cluster ? `a three-server JetStream cluster :${natsPort}-${natsPort + 2}` : `nats-server :${natsPort}`}, PostgreSQL :${pgPort}, gateway :${config.gateway.port} and the stage services (state in ${config.stateDir})`,
);
const stack = await startLocalStack({
  stateDir: config.stateDir,
  persistent: true,
  natsPort,
  natsHttpPort: 8222,
  cluster,
  stageReplicas: perService,
  gateways: perService,
  postgresPort: pgPort,
  gatewayPort: config.gateway.port,
  restartOnExit: true,
  serviceEnv,
  env: tlsEnv,
  // The owner's account is made below, once; a restart keeps it.
  defaultUser: null,
  // Services log pino JSON; pass it through untouched (pipe into pino-pretty to read it).
  onLine: (line) => process.stdout.write(`${line}\n`),
}).catch((error: unknown) => {
  console.error(`revive: could not start: ${(error as Error).message}`);
  process.exit(1);
});

// On first start a local user `owner` and its token, readable by this OS user only; the revive
// CLI picks it up from there for a gateway on this machine, and the web page asks for it once.
const ownerTokenFile = join(config.stateDir, 'owner-token');
let ownerLine = `  API token of user owner: ${ownerTokenFile} (more users: npm run users -- create <name>)`;
if (!existsSync(ownerTokenFile)) {
  try {
    const owner = await stack.createUser('owner');
    await writeFile(ownerTokenFile, `${owner.token}\n`, { mode: 0o600, flag: 'wx' });
    ownerLine = `  created user owner; its API token is in ${ownerTokenFile} (paste it into the web page's sign-in)`;
  } catch (error) {
    ownerLine = `  no ${ownerTokenFile} (${(error as Error).message.split('\n')[0]}); issue one with: npm run users -- token owner`;
  }
}

console.error(
  [
    '',
    `Revive is running.  Web page: ${new URL('/', stack.graphqlUrl).href}`,
    `  GraphQL (HTTP, SSE, WebSocket): ${stack.graphqlUrl}`,
    ...(stack.graphqlUrls.length > 1 ? [`  more gateways (same API, same data): ${stack.graphqlUrls.slice(1).join(', ')}`] : []),
    config.gateway.auth === 'off' ? '  REVIVE_AUTH=off: no token needed; every request acts as the local user' : ownerLine,
    `  enhance a photo:  npx revive enhance photo.jpg --out results/`,
    ...(localTls
      ? [
          `  HTTPS with the local CA ${localTls.caCertFile} (import it on each device; certificate for ${localTls.hosts.join(', ')})`,
          `    curl --cacert ${localTls.caCertFile} ${stack.graphqlUrl.replace(/\/graphql$/, '/healthz')}`,
          `    NODE_EXTRA_CA_CERTS=${localTls.caCertFile} npx revive enhance photo.jpg --url ${stack.graphqlUrl}`,
        ]
      : []),
    `  NATS (JetStream, nkey users only): ${stack.natsUrl}   e.g. nats --server ${stack.natsUrl} --nkey ${localCredentialPaths(config.stateDir).natsSeed('admin')} stream info REVIVE_MEDIA`,
    ...(stack.natsCluster
      ? [
          `  JetStream cluster: ${stack.natsCluster.nodes.map((n) => `${n.name} ${n.url} (monitor :${n.httpPort})`).join(', ')}; stream, consumers and cancelled bucket at ${config.nats.streamReplicas > 1 ? config.nats.streamReplicas : stack.natsCluster.nodes.length} replicas; two of every service`,
        ]
      : []),
    ...(config.telemetry.tracesUrl
      ? [`  traces and metrics: OTLP to ${new URL(config.telemetry.tracesUrl).origin} (Grafana: see observability/README.md)`]
      : []),
    ...(metricsBase ? [`  Prometheus: ${order.map((n) => `${n} :${metricsBase + order.indexOf(n)}`).join(', ')} (/metrics)`] : []),
    '  Ctrl-C stops everything (in-flight work finishes first).',
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error('revive: draining and stopping…');
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`revive: unclean stop: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  });
}
