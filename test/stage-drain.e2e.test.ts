import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import postgres from 'postgres';
import { FLOW, Streams, Subjects } from '@revive/contracts';
import type { LocalStack } from '@revive/local-services';
import { query, uploadFile, MEDIA_FIELDS, type CallOptions } from './support/graphql-client.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

// Issue 27, point 5: a stage told to stop (SIGTERM, as Kubernetes and npm start's supervisor do)
// while its handler runs finishes that item, acks it and exits 0; the item then completes with the
// stage's work done once (no redelivery to the replica started after it).

const photo = resolve(import.meta.dirname, 'fixtures/images/garden-410x256.jpg');
const superres = FLOW.image.find((h) => h.stage === 'superres')!;

describe('draining on SIGTERM: a stage stopped mid-handler finishes its item (real nats-server, PostgreSQL, one process per service)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let nc: NatsConnection;
  let call: CallOptions;
  const superresLines: string[] = [];

  before(async () => {
    system = await startTestStack('stage-drain', {
      onLine: (line, service) => {
        if (service === 'superres') superresLines.push(line);
      },
    });
    stack = system.stack;
    nc = await connect(stack.natsAdmin);
    call = { token: stack.token };
  });
  after(async () => {
    await nc?.drain();
    await system?.stop();
  });

  async function mediaOf(id: string) {
    const { data, errors } = await query<{ media: { status: string; stages: Array<{ stage: string; status: string }> } }>(
      stack.graphqlUrl,
      `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} } }`,
      { id },
      call,
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.media;
  }
  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  it('finishes the in-flight item, exits 0, and the item completes with the stage run once', async () => {
    const jsm = await nc.jetstreamManager();
    const upload = await uploadFile(stack.graphqlUrl, photo, { scale: 2, colorize: 'OFF', repair: 'OFF' }, undefined, call);
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const id = upload.data!.uploadMedia.id;
    // The stage's own consumer holding one unacknowledged delivery: its handler is running.
    await until(
      `superres to take ${id} (state ${JSON.stringify(await mediaOf(id).catch(() => null))})`,
      async () => ((await jsm.consumers.info(Streams.media, superres.consumer)).num_ack_pending === 1 ? true : undefined),
      120_000,
      50,
    );
    const stopping = stack.services.superres.stop(120_000);
    const exitCode = await stopping;
    assert.equal(exitCode, 0, 'the stage exited 0 after draining (not killed at the grace limit)');
    assert.ok(
      superresLines.some((l) => l.includes('stopping: finishing in-flight items')),
      'the stage logged its drain',
    );
    const info = await jsm.consumers.info(Streams.media, superres.consumer);
    assert.deepEqual(
      [info.num_ack_pending, info.num_redelivered],
      [0, 0],
      'the item was acked before exit, not left to ack_wait or nak’d for another replica',
    );

    const restarted = stack.startReplica('superres');
    await restarted.waitForLog(/"msg":"\w+ running"/, 120_000);
    const done = await until(
      `${id} to complete after the drain`,
      async () => {
        const m = await mediaOf(id);
        return m.status === 'COMPLETED' || m.status === 'FAILED' ? m : undefined;
      },
      120_000,
    );
    assert.equal(done.status, 'COMPLETED', JSON.stringify(done));
    const sql = postgres(stack.databaseUrl, { max: 1 });
    try {
      const [row] = await sql<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM projected_events WHERE media_id = ${id} AND subject = ${Subjects.imageSuperResolved}`;
      assert.equal(row!.n, 1, 'one super-resolved event for the item');
    } finally {
      await sql.end();
    }
    const after = await jsm.consumers.info(Streams.media, superres.consumer);
    assert.equal(after.num_redelivered, 0, 'the restarted stage was handed nothing again');
    assert.ok(!superresLines.some((l) => l.includes('unclean stop')), 'no unclean stop');
  });
});
