import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import sharp from 'sharp';
import { stagesOf } from '@revive/contracts';
import { freePort, startS3Server, type LocalStack, type RunningS3Server, type ServiceProcess } from '@revive/local-services';
import { REPAIR_NOT_ASKED } from '@revive/repair';
import { query, subscribeWs, uploadFile, MEDIA_FIELDS } from './support/graphql-client.ts';
import { apiStage, expectedStages } from './support/stages.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

const greyPhoto = resolve(import.meta.dirname, 'fixtures/images/brooklyn-bridge-1880s-grey-160.jpg');

describe('production topology on one machine: objects on S3 (real Swift s3api), two gateway replicas', () => {
  let s3: RunningS3Server;
  let system: TestStack;
  let stack: LocalStack;
  let second: ServiceProcess;
  let secondUrl: string;
  before(async () => {
    s3 = await startS3Server();
    system = await startTestStack('s3-two-gateways', {
      env: {
        REVIVE_STORE: 's3',
        REVIVE_S3_BUCKET: 'revive-e2e',
        REVIVE_S3_ENDPOINT: s3.endpoint,
        REVIVE_S3_REGION: s3.region,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
    });
    stack = system.stack;
    second = stack.startReplica('gateway', { REVIVE_GATEWAY_PORT: String(await freePort()) });
    secondUrl = (JSON.parse(await second.waitForLog(/gateway listening/)) as { graphql: string }).graphql;
  });
  after(async () => {
    await system?.stop();
    await s3?.stop();
  });

  it('uploads through one gateway, streams every event to a subscriber of the other, projects each event once, and serves a presigned S3 result', async () => {
    stack.services.preprocess.pause();
    let id: string;
    let sub: ReturnType<typeof subscribeWs>;
    try {
      const upload = await uploadFile(stack.graphqlUrl, greyPhoto, { scale: 2, repair: 'OFF' }, undefined, { token: stack.token });
      assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
      id = upload.data!.uploadMedia.id;
      sub = subscribeWs(secondUrl, id, undefined, { token: stack.token });
      await sub.ready;
    } finally {
      stack.services.preprocess.resume();
    }
    const messages = await sub.done;
    // Every stage's outcome reaches the other replica's subscriber once. Not necessarily in flow
    // order: each replica projects an item's events in order, but two replicas project its events
    // side by side, and a stage that hands on at once (repair OFF) can be announced by one replica
    // before the other has announced the stage before it. Clients order state by updatedAt.
    assert.deepEqual(
      messages
        .filter((m) => m.event === 'STAGE_DONE' || m.event === 'STAGE_SKIPPED')
        .map((m) => `${m.stage}:${m.event}`)
        .sort(),
      expectedStages('image', 'STAGE_DONE', { repair: 'STAGE_SKIPPED' }).sort(),
    );
    assert.equal(messages.at(-1)!.event, 'COMPLETED');

    const { data } = await query<{
      media: { resultUrl: string; originalUrl: string; stages: Array<{ stage: string; note: string | null }> };
    }>(secondUrl, `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} } }`, { id: id! }, { token: stack.token });
    assert.equal(data!.media.stages.find((s) => s.stage === apiStage('repair'))?.note, REPAIR_NOT_ASKED);
    const resultUrl = new URL(data!.media.resultUrl);
    assert.equal(resultUrl.origin, new URL(s3.endpoint).origin, 'the result is served by the object store itself');
    assert.ok(resultUrl.searchParams.get('X-Amz-Signature'), 'presigned');
    const bytes = new Uint8Array(await (await fetch(resultUrl)).arrayBuffer());
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [320, 256]);
    resultUrl.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    assert.equal((await fetch(resultUrl)).status, 403, 'a tampered link is refused');

    // One event per stage reached the stream for this item, after the upload's (uploaded … published); each projected exactly once.
    const sql = postgres(stack.databaseUrl, { max: 1 });
    try {
      const rows = await sql<{ n: number }[]>`select count(*)::int as n from projected_events where media_id = ${id!}`;
      assert.equal(rows[0]!.n, 1 + stagesOf('image').length);
    } finally {
      await sql.end();
    }
  });
});
