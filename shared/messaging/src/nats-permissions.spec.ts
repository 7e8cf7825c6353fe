import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, nkeyAuthenticator, type NatsConnection } from 'nats';
import { FLOW, hopsOf, messageId, STAGE_NAMES, Streams, Subjects } from '@revive/contracts';
import { startNatsServer, type RunningNatsServer } from '@revive/testing';
import { connectNats } from './connect-nats.ts';
import { hopUnderTest, preprocessed } from './consumer-loop.fixture.ts';
import type { Outcome } from './outcome.ts';
import { runStage } from './stage-runner.ts';
import { renderNatsAuthorization } from './nats-authorization.ts';
import { generateNkeyUser, type NkeyUser } from './nkey-users.ts';
import { inboxPrefixOf, NATS_SERVICES, natsClientName, natsPermissionsOf, type NatsService } from './nats-permissions.ts';
import { ensureMediaStream } from './streams.ts';

const EVENT_SUBJECTS = new Set<string>(Object.values(Subjects));
const events = (subjects: readonly string[]) => subjects.filter((s) => EVENT_SUBJECTS.has(s)).sort();
const pulled = (subjects: readonly string[]) =>
  subjects.filter((s) => s.startsWith(`$JS.API.CONSUMER.MSG.NEXT.${Streams.media}.`)).map((s) => s.split('.').at(-1));

describe('NATS permissions derived from the stage catalogue', () => {
  it('a stage pulls only its own consumers, publishes only what its hops emit (and failures), subscribes only to its inbox', () => {
    for (const stage of STAGE_NAMES) {
      const p = natsPermissionsOf(stage);
      const hops = hopsOf(stage);
      assert.deepEqual(events(p.publish), [...new Set([...hops.map((h) => h.emits), Subjects.mediaFailed])].sort(), stage);
      assert.deepEqual(pulled(p.publish).sort(), hops.map((h) => h.consumer).sort(), stage);
      assert.deepEqual(p.subscribe, [`${inboxPrefixOf(natsClientName(stage))}.>`], stage);
      assert.ok(!p.publish.some((s) => s.includes('*') || s === '>' || s.startsWith('_INBOX')), `${stage}: no wildcard publish`);
      assert.ok(!p.publish.includes(`$JS.API.STREAM.UPDATE.${Streams.media}`), `${stage}: the stream's settings are the gateway's`);
    }
  });

  it('the gateway publishes uploads and (retryMedia) stage inputs, never a stage output, and projects through its own consumer', () => {
    const p = natsPermissionsOf('gateway');
    const inputs = [...FLOW.image, ...FLOW.video].map((h) => h.consumes);
    assert.deepEqual(events(p.publish), [...new Set(inputs)].sort());
    for (const kind of ['image', 'video'] as const) assert.ok(p.publish.includes(FLOW[kind][0]!.consumes), `uploads of ${kind}`);
    assert.ok(!p.publish.includes(Subjects.imagePublished) && !p.publish.includes(Subjects.mediaFailed));
    assert.deepEqual(pulled(p.publish), ['gateway-projection']);
  });

  it('renders one nkey user per service (and the operator), literal keys quoted, $VARIABLES left to the server', () => {
    const keys = Object.fromEntries(NATS_SERVICES.map((s) => [s, `$REVIVE_NATS_USER_${s.toUpperCase()}`])) as Record<NatsService, string>;
    const text = renderNatsAuthorization({ ...keys, admin: 'UADMIN' });
    for (const service of NATS_SERVICES) assert.match(text, new RegExp(`nkey: \\$REVIVE_NATS_USER_${service.toUpperCase()}\\n`));
    assert.match(text, /\{ nkey: "UADMIN" \}/);
  });
});

describe('NATS permissions on a real nats-server', () => {
  const stage = hopUnderTest.stage;
  const users = Object.fromEntries([...NATS_SERVICES, 'admin'].map((u) => [u, generateNkeyUser()])) as Record<
    NatsService | 'admin',
    NkeyUser
  >;
  let server: RunningNatsServer;
  const open: NatsConnection[] = [];
  const as = async (user: NatsService) => {
    const nc = await connectNats({ url: server.url, nkeySeed: users[user].seed }, user);
    open.push(nc);
    return nc;
  };
  before(async () => {
    const publicKeys = Object.fromEntries(Object.entries(users).map(([u, k]) => [u, k.publicKey]));
    server = await startNatsServer({ authorization: renderNatsAuthorization(publicKeys as Record<NatsService | 'admin', string>) });
  });
  after(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await server?.stop();
  });

  it('refuses a client without credentials', async () => {
    await assert.rejects(connect({ servers: server.url }), (e: Error & { code?: string }) => e.code === 'AUTHORIZATION_VIOLATION');
  });

  it(`lets ${stage} run its hop with nothing but its own permissions`, async () => {
    const gateway = await as('gateway');
    await ensureMediaStream(await gateway.jetstreamManager());
    const worker = await as(stage);
    // A stage service's whole boot: the stream check, a consumer loop per hop, backlog polls, the cancelled bucket.
    const handle = async (event: { mediaId: string }): Promise<Outcome> => ({
      kind: 'done',
      next: [{ subject: hopUnderTest.emits, payload: { ...event, at: new Date().toISOString() }, msgID: messageId(event.mediaId, stage) }],
    });
    const handlers = Object.fromEntries(hopsOf(stage).map((hop) => [hop.kind, handle]));
    const loop = await runStage({
      stage,
      nc: worker,
      handlers: handlers as never,
      concurrency: 1,
      ackWaitMs: 5000,
      maxDeliver: 2,
      backlogPollMs: 100,
    });
    try {
      const id = '00000000-0000-4000-8000-00000000c0de';
      await gateway.jetstream().publish(hopUnderTest.consumes, JSON.stringify(preprocessed(id)), { msgID: messageId(id, 'upload') });
      const admin = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(users.admin.seed)) });
      open.push(admin);
      const out = await (
        await admin.jetstream().consumers.get(Streams.media, { filterSubjects: hopUnderTest.emits })
      ).next({ expires: 10_000 });
      assert.equal((out?.json() as { mediaId: string } | undefined)?.mediaId, id, `${hopUnderTest.emits} published by ${stage}`);
      await new Promise((r) => setTimeout(r, 300)); // a backlog poll and the ack have gone through
      assert.doesNotMatch(server.log(), /Violation/, 'the stage never reached outside its permissions');
    } finally {
      await loop.stop();
    }
  });

  it(`refuses ${stage} another stage's consumer, any event subscription, another stage's output and the stream's settings`, async () => {
    const worker = await as(stage);
    const other = STAGE_NAMES.find((s) => s !== stage)!;
    const violation = (subject: string) => (e: Error & { code?: string }) =>
      e.code === 'PERMISSIONS_VIOLATION' && e.message.includes(subject);

    const sub = worker.subscribe('revive.>');
    await assert.rejects(
      (async () => {
        for await (const _ of sub) break;
      })(),
      /Permissions Violation for Subscription to "revive\.>"/,
    );
    const foreign = FLOW.image.find((h) => h.stage === other)!;
    await assert.rejects(worker.jetstream().publish(foreign.emits, '{}'), violation(foreign.emits));
    await assert.rejects(
      (async () => (await worker.jetstream().consumers.get(Streams.media, foreign.consumer)).next({ expires: 1000 }))(),
      violation(foreign.consumer),
    );
    const jsm = await worker.jetstreamManager();
    await assert.rejects(jsm.streams.update(Streams.media, { max_age: 1e9 }), violation(`$JS.API.STREAM.UPDATE.${Streams.media}`));
  });
});
