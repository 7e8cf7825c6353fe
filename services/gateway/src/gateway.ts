import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import postgres from 'postgres';
import type { PlatformConfig } from '@revive/config';
import type { Logger } from '@revive/logging';
import { cancelledBucket, connectNats, ensureMediaStream, withTransientRetry } from '@revive/messaging';
import { createObjectStore } from '@revive/object-store';
import { runReadinessChecks } from '@revive/telemetry';
import { createAdmission, startAdmissionPass } from './admission.ts';
import { createAccountRepository, createAuthenticator } from './auth/index.ts';
import { createOriginPolicy } from './browser/index.ts';
import { createGatewayServer } from './http-server.ts';
import { createStageRateSource } from './estimates/index.ts';
import { createMediaHub } from './media-hub.ts';
import { createObjectUrls } from './object-urls.ts';
import { createMediaOperations } from './media-operations.ts';
import {
  createAdmissionRepository,
  createFailureRepository,
  createLifecycleRepository,
  createMediaRepository,
  createProjection,
  createStageHistoryRepository,
  createSweepRepository,
  createWebhookOutbox,
  migrate,
} from './persistence/index.ts';
import { startProjector } from './projector.ts';
import { createSweeper } from './sweeper.ts';
import { traceHttp } from './telemetry/http-span.ts';
import { traceProjection, traceRepository } from './telemetry/traced-persistence.ts';
import { createWebhookNotifier } from './webhooks/index.ts';
import { attachGraphqlWs } from './ws-server.ts';
import { createGatewayYoga, GRAPHQL_PATH } from './yoga.ts';

/** A running gateway: HTTP + WebSocket on one port, projecting events and fanning them out. */
export interface RunningGateway {
  readonly url: string;
  readonly server: Server;
  readonly nc: NatsConnection;
  stop(): Promise<void>;
}

/** A local install generates its URL-signing secret once and keeps it beside its other state. */
async function urlSigningSecret(config: PlatformConfig): Promise<string> {
  if (config.gateway.urlSigningSecret) return config.gateway.urlSigningSecret;
  const path = join(config.stateDir, 'url-signing.key');
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing && existing.trim().length >= 32) return existing.trim();
  await mkdir(config.stateDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(path, secret, { mode: 0o600 });
  return secret;
}

/** Wires and starts the gateway: migrations first, then NATS, the projector, then the port. */
export async function startGateway(config: PlatformConfig, log: Logger): Promise<RunningGateway> {
  const sql = postgres(config.database.url, { max: 10, onnotice: () => undefined });
  await migrate(sql);
  const nc = await connectNats(config.nats, 'gateway');
  // A server restarting, or a cluster electing leaders, answers timeouts and 503s for a while: waited out.
  await withTransientRetry(async () => ensureMediaStream(await nc.jetstreamManager(), config.nats.streamReplicas));
  // Made here too, at the stream's replicas, so a cluster's cancels survive a server's loss whoever starts first.
  await withTransientRetry(() => cancelledBucket(nc, config.nats.streamReplicas));
  const store = createObjectStore(config.store);
  // The gateway writes first (originals), so it makes sure the bucket exists; idempotent.
  if (config.store.kind === 's3') await createObjectStore(config.store).ensureBucket();
  const hub = createMediaHub(
    nc,
    (err) => log.error({ err }, 'media hub'),
    (id) => createMediaRepository(sql).get(id),
  );
  const urls = createObjectUrls(store, {
    publicUrl: config.gateway.publicUrl,
    secret: await urlSigningSecret(config),
    ttlSeconds: config.gateway.urlTtlSeconds,
  });
  const auth = await createAuthenticator({
    mode: config.gateway.auth,
    accounts: createAccountRepository(sql),
    anonymousPerMinute: config.gateway.limits.anonymousPerMinute,
    onError: (err) => log.warn({ err }, 'checking the tokens of open streams failed; will retry'),
  });
  if (config.gateway.auth === 'off')
    log.warn('REVIVE_AUTH=off: every request acts as the built-in local user; only for a single-user install on a trusted loopback');
  const lifecycle = createLifecycleRepository(sql);
  const admission = createAdmission({
    nc,
    repository: createAdmissionRepository(sql),
    maxInFlightPerUser: config.admission.maxInFlightPerUser,
    log,
  });
  const operations = createMediaOperations({ nc, store, lifecycle, failures: createFailureRepository(sql), hub, admission, log });
  const stageRates = createStageRateSource(createStageHistoryRepository(sql), { log });
  const deps = {
    config,
    log,
    nc,
    store,
    media: traceRepository(createMediaRepository(sql)),
    hub,
    urls,
    auth,
    operations,
    admission,
    stageRates,
  };
  const { secret, allowPrivateTargets } = config.webhooks;
  const webhooks = secret
    ? createWebhookNotifier({ secret, allowPrivateTargets, lifecycle, outbox: createWebhookOutbox(sql), urls, log })
    : undefined;
  const projector = await startProjector({
    nc,
    projection: traceProjection(createProjection(sql)),
    hub,
    log,
    onOutcome: (media) => {
      webhooks?.notify(media);
      // A finished item frees a slot of its owner's.
      admission
        .releaseAfter(media.id)
        .catch((err: unknown) => log.warn({ err, media_id: media.id }, 'could not release the next waiting item now'));
    },
  });
  const admissionPass = startAdmissionPass(admission, log);
  const sweeper = createSweeper({ repository: createSweepRepository(sql), store, settings: config.retention, log }).start();
  // Ready when both NATS and PostgreSQL answer a round trip; reasons go to the log, not the probe.
  const checks = {
    nats: () => (nc.isClosed() ? Promise.reject(new Error('connection closed')) : nc.flush()),
    postgres: () => sql`SELECT 1`,
  };
  const isReady = async () => {
    const failed = await runReadinessChecks(checks);
    if (Object.keys(failed).length) log.debug({ failed }, 'not ready');
    return Object.keys(failed).length === 0;
  };
  const yoga = createGatewayYoga(deps, { isReady });
  const server = await createGatewayServer(config.gateway, traceHttp(yoga));
  const ws = attachGraphqlWs(server, yoga, auth, createOriginPolicy(config.gateway));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.gateway.port, config.gateway.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.gateway.port;
  const url = `${config.gateway.tls ? 'https' : 'http'}://${config.gateway.host}:${port}${GRAPHQL_PATH}`;
  log.info({ graphql: url }, 'gateway listening');
  return {
    url,
    server,
    nc,
    async stop() {
      // New requests stop first; subscriptions end; events in flight are projected; then the bus.
      server.close();
      await ws.close();
      await projector.stop();
      await admissionPass.stop();
      await sweeper.stop();
      await webhooks?.stop();
      hub.close();
      await nc.drain();
      server.closeAllConnections();
      await sql.end({ timeout: 5 });
    },
  };
}
