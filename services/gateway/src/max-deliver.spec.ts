import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import postgres, { type Sql } from 'postgres';
import { loadPlatformConfig } from '@revive/config';
import { FLOW, messageId, Streams, Subjects } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { ensureMediaStream, runConsumerLoop, type Outcome } from '@revive/messaging';
import { createObjectStore } from '@revive/object-store';
import { startNatsServer, startPostgres, type RunningNatsServer, type RunningPostgres } from '@revive/testing';
import { createAdmission } from './admission.ts';
import { createAccountRepository, createAuthenticator } from './auth/index.ts';
import { createMediaHub, type MediaHub } from './media-hub.ts';
import { createMediaOperations } from './media-operations.ts';
import { createObjectUrls } from './object-urls.ts';
import {
  createAdmissionRepository,
  createFailureRepository,
  createLifecycleRepository,
  createMediaRepository,
  createProjection,
  migrate,
} from './persistence/index.ts';
import { startProjector } from './projector.ts';
import { createGatewayYoga, GRAPHQL_PATH } from './yoga.ts';

/** The stage after preprocess, whichever the catalogue says it is: it consumes what preprocess emits. */
const stuckHop = FLOW.image[1]! as (typeof FLOW.image)[1] & { consumes: typeof Subjects.imagePreprocessed };
const STUCK_STAGE = stuckHop.stage.toUpperCase();
const MAX_DELIVER = 2;

describe('MaxDeliver exhaustion ends the item FAILED, visibly through GraphQL (real nats-server, PostgreSQL, consumer loop, projector)', () => {
  let pg: RunningPostgres;
  let nats: RunningNatsServer;
  let sql: Sql;
  let nc: NatsConnection;
  let hub: MediaHub;
  let dir: string;
  before(async () => {
    [pg, nats] = await Promise.all([startPostgres(), startNatsServer()]);
    sql = postgres(pg.url, { max: 4, onnotice: () => {} });
    await migrate(sql);
    nc = await connect({ servers: nats.url });
    await ensureMediaStream(await nc.jetstreamManager());
    hub = createMediaHub(nc, () => {});
    dir = await mkdtemp(join(tmpdir(), 'revive-maxdeliver-'));
  });
  after(async () => {
    hub?.close();
    await nc?.drain();
    await sql?.end();
    await Promise.all([pg?.stop(), nats?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a stage that keeps asking for a retry fails the item with RETRIES_EXHAUSTED, attempt = max deliver, in media.error, media.failures and failures', async () => {
    const config = loadPlatformConfig({
      REVIVE_STATE_DIR: dir,
      REVIVE_URL_SIGNING_SECRET: 'max-deliver-spec-url-signing-secret-0123',
      REVIVE_LOG_LEVEL: 'silent',
    });
    const log = createLogger('max-deliver-spec', 'silent');
    const store = createObjectStore(config.store);
    const accounts = createAccountRepository(sql);
    const auth = await createAuthenticator({ mode: 'off', accounts });
    const owner = (await auth.authenticate(undefined)).userId;
    const media = createMediaRepository(sql);
    const admission = createAdmission({ nc, repository: createAdmissionRepository(sql), maxInFlightPerUser: 8, log });
    const operations = createMediaOperations({
      nc,
      store,
      lifecycle: createLifecycleRepository(sql),
      failures: createFailureRepository(sql),
      hub,
      admission,
      log,
    });
    const urls = createObjectUrls(store, { publicUrl: config.gateway.publicUrl, secret: config.gateway.urlSigningSecret!, ttlSeconds: 60 });
    const yoga = createGatewayYoga({ config, log, nc, store, media, hub, urls, auth, operations, admission });
    const projector = await startProjector({ nc, projection: createProjection(sql), hub, log });
    const loop = await runConsumerLoop({
      nc,
      stream: Streams.media,
      hop: stuckHop,
      handle: async (): Promise<Outcome> => ({ kind: 'retry', reason: 'model server unavailable' }),
      ackWaitMs: 5000,
      maxDeliver: MAX_DELIVER,
      backlogPollMs: 0,
    });
    try {
      const id = randomUUID();
      const options = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 } as const;
      await media.ownedBy(owner).create({
        id,
        kind: 'image',
        filename: 'a.png',
        contentType: 'image/png',
        bytes: 1,
        options,
        originalKey: `media/${id}/original.png`,
      });
      await nc.jetstream().publish(
        Subjects.imagePreprocessed,
        JSON.stringify({
          mediaId: id,
          options,
          at: new Date().toISOString(),
          key: `media/${id}/pre.tiff`,
          width: 4,
          height: 3,
          isMonochrome: true,
        }),
        { msgID: messageId(id, 'preprocess') },
      );

      const ask = async () => {
        const response = await yoga.fetch(`http://gateway.test${GRAPHQL_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: `query ($id: ID!) { media(id: $id) { status error { code stage attempt } failures { code stage attempt } } failures(stage: ${STUCK_STAGE}) { totalCount byStageAndCode { stage code count } edges { node { mediaId code attempt } } } }`,
            variables: { id },
          }),
        });
        return (await response.json()) as {
          data: {
            media: { status: string; error: unknown; failures: unknown[] };
            failures: { totalCount: number; byStageAndCode: unknown[]; edges: Array<{ node: unknown }> };
          };
        };
      };
      let result = await ask();
      for (let i = 0; i < 100 && result.data.media.status !== 'FAILED'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        result = await ask();
      }
      const failure = { code: 'RETRIES_EXHAUSTED', stage: STUCK_STAGE, attempt: MAX_DELIVER };
      assert.deepEqual(result.data.media, { status: 'FAILED', error: failure, failures: [failure] });
      assert.deepEqual(result.data.failures, {
        totalCount: 1,
        byStageAndCode: [{ stage: STUCK_STAGE, code: 'RETRIES_EXHAUSTED', count: 1 }],
        edges: [{ node: { mediaId: id, code: 'RETRIES_EXHAUSTED', attempt: MAX_DELIVER } }],
      });
    } finally {
      await loop.stop();
      await projector.stop();
    }
  });
});
