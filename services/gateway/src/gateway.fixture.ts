// For the gateway specs: the deps and Yoga instance startGateway wires, over a real PostgreSQL and
// nats-server and a filesystem store in a temporary directory, without a port (specs call
// yoga.fetch, or serve it themselves), a projector or webhooks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import postgres, { type Sql } from 'postgres';
import { loadPlatformConfig, type PlatformConfig } from '@revive/config';
import { createLogger } from '@revive/logging';
import { ensureMediaStream } from '@revive/messaging';
import { createObjectStore, type ObjectStore } from '@revive/object-store';
import { startNatsServer, startPostgres } from '@revive/testing';
import { createAccountRepository, createAuthenticator, type AccountRepository } from './auth/index.ts';
import type { GatewayDeps } from './context.ts';
import { createMediaHub, type MediaHub } from './media-hub.ts';
import { createObjectUrls } from './object-urls.ts';
import { createAdmission } from './admission.ts';
import { createAdmissionRepository, createMediaRepository, migrate } from './persistence/index.ts';
import { createGatewayYoga } from './yoga.ts';

/** A gateway under test and the state behind it; `stop` ends it all and removes the directory. */
export interface GatewayFixture {
  readonly config: PlatformConfig;
  readonly sql: Sql;
  readonly nc: NatsConnection;
  readonly store: ObjectStore;
  readonly accounts: AccountRepository;
  readonly deps: GatewayDeps;
  readonly yoga: ReturnType<typeof createGatewayYoga>;
  /** The state directory (the store's root is below it), free for the spec's own files too. */
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Starts the servers and builds the gateway from `env` (REVIVE_* variables over the fixture's
 * own: state dir, server URLs, a URL-signing secret, silent logs), the way startGateway does.
 */
export async function startGatewayFixture(env: Record<string, string> = {}): Promise<GatewayFixture> {
  const [pg, nats, dir] = await Promise.all([startPostgres(), startNatsServer(), mkdtemp(join(tmpdir(), 'revive-gateway-spec-'))]);
  let sql: Sql | undefined;
  let nc: NatsConnection | undefined;
  let hub: MediaHub | undefined;
  // Also run when setup fails halfway: the spec never gets a fixture to stop, and no server may outlive it.
  const stop = async () => {
    hub?.close();
    await nc?.drain();
    await sql?.end({ timeout: 5 });
    await Promise.all([nats.stop(), pg.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const config = loadPlatformConfig({
      REVIVE_STATE_DIR: dir,
      REVIVE_NATS_URL: nats.url,
      REVIVE_DATABASE_URL: pg.url,
      REVIVE_URL_SIGNING_SECRET: 'gateway-spec-url-signing-secret-0123456789',
      REVIVE_LOG_LEVEL: 'silent',
      ...env,
    });
    sql = postgres(config.database.url, { max: 4, onnotice: () => undefined });
    await migrate(sql);
    nc = await connect({ servers: config.nats.url });
    await ensureMediaStream(await nc.jetstreamManager());
    const store = createObjectStore(config.store);
    const log = createLogger('gateway-spec', config.log.level);
    const accounts = createAccountRepository(sql);
    hub = createMediaHub(nc, (err) => log.error({ err }, 'media hub'));
    const deps: GatewayDeps = {
      config,
      log,
      nc,
      store,
      media: createMediaRepository(sql),
      hub,
      urls: createObjectUrls(store, {
        publicUrl: config.gateway.publicUrl,
        secret: config.gateway.urlSigningSecret!,
        ttlSeconds: config.gateway.urlTtlSeconds,
      }),
      auth: await createAuthenticator({
        mode: config.gateway.auth,
        accounts,
        anonymousPerMinute: config.gateway.limits.anonymousPerMinute,
        onError: (err) => log.warn({ err }, 'token check failed'),
      }),
      admission: createAdmission({
        nc,
        repository: createAdmissionRepository(sql),
        maxInFlightPerUser: config.admission.maxInFlightPerUser,
        log,
      }),
    };
    return { config, sql, nc, store, accounts, deps, yoga: createGatewayYoga(deps), dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A GraphQL multipart request (the spec Yoga implements) sending `bytes` as `$file`, built like any client builds it. */
export function graphqlUploadForm(query: string, name: string, bytes: Uint8Array, options?: Record<string, unknown>): FormData {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables: { file: null, ...(options ? { options } : {}) } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new File([new Uint8Array(bytes)], name));
  return form;
}
