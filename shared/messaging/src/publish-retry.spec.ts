import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, DiscardPolicy, type NatsConnection } from 'nats';
import { messageId, Streams, Subjects } from '@revive/contracts';
import { startNatsCluster, startNatsServer, type RunningNatsCluster, type RunningNatsServer } from '@revive/testing';
import { publishWithRetry } from './publish-retry.ts';
import { ensureMediaStream } from './streams.ts';

const mediaId = '6b0f4a8e-1c2d-4e3f-9a1b-2c3d4e5f6a7b';
const msgID = messageId(mediaId, 'preprocess');

describe('publishWithRetry (real nats-server)', () => {
  let server: RunningNatsServer;
  let nc: NatsConnection;
  before(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  after(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('keeps publishing while nobody answers (no stream yet), then stores the event once under its msgID', async () => {
    const js = nc.jetstream();
    // The stream appears a moment after the first attempt: until then the publish meets `no responders`.
    const appear = new Promise<void>((resolve, reject) =>
      setTimeout(() => void nc.jetstreamManager().then((jsm) => ensureMediaStream(jsm).then(resolve, reject), reject), 700),
    );
    const ack = await publishWithRetry(js, Subjects.imagePreprocessed, JSON.stringify({ mediaId }), { msgID }, 10_000);
    await appear;
    assert.equal(ack.duplicate, false);
    const again = await publishWithRetry(js, Subjects.imagePreprocessed, JSON.stringify({ mediaId }), { msgID }, 10_000);
    assert.equal(again.duplicate, true, 'the same msgID is dropped as a duplicate');
    assert.equal((await (await nc.jetstreamManager()).streams.info(Streams.media)).state.messages, 1);
  });

  it('throws at once on an answer that is a refusal, not a pause', async () => {
    const js = nc.jetstream();
    const started = Date.now();
    await assert.rejects(
      publishWithRetry(js, Subjects.imagePreprocessed, '{}', { msgID: 'refused', expect: { streamName: 'NOT_THE_STREAM' } }, 10_000),
      /expected stream does not match/,
    );
    assert.ok(Date.now() - started < 5_000, 'not retried');
  });

  it('throws at once when the stream is full (a 503 that waiting does not lift)', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'FULL', subjects: ['full.>'], max_bytes: 1, discard: DiscardPolicy.New });
    try {
      const started = Date.now();
      await assert.rejects(
        publishWithRetry(nc.jetstream(), 'full.x', 'more than a byte', { msgID: 'full-1' }, 10_000),
        (error: { api_error?: { code?: number; description?: string } }) =>
          error.api_error?.code === 503 && error.api_error.description === 'maximum bytes exceeded',
      );
      assert.ok(Date.now() - started < 5_000, 'not retried');
    } finally {
      await jsm.streams.delete('FULL');
    }
  });
});

describe('publishWithRetry on a three-node JetStream cluster (real, loopback)', () => {
  let cluster: RunningNatsCluster;
  let nc: NatsConnection;
  before(async () => {
    cluster = await startNatsCluster();
    nc = await connect({ servers: [...cluster.urls], reconnectTimeWait: 250, maxReconnectAttempts: -1 });
    await ensureMediaStream(await nc.jetstreamManager(), 3);
  });
  after(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it("rides through the loss of the stream's leader: every publish is stored, none twice", { timeout: 90_000 }, async () => {
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const leader = cluster.node((await jsm.streams.info(Streams.media)).cluster!.leader!);
    const publish = (i: number) =>
      publishWithRetry(js, Subjects.imagePreprocessed, JSON.stringify({ mediaId, i }), { msgID: `${msgID}:${i}`, timeout: 2000 });
    for (let i = 0; i < 20; i++) await publish(i);
    await leader.kill('SIGKILL');
    // Published while the stream elects a new leader (and this client may be moving to another server).
    for (let i = 20; i < 40; i++) await publish(i);
    await leader.relaunch();
    await cluster.waitUntilHealthy();
    // The first twenty again: all duplicates, the stream still holds forty.
    for (let i = 0; i < 20; i++) assert.equal((await publish(i)).duplicate, true, `publish ${i} again is a duplicate`);
    const info = await jsm.streams.info(Streams.media);
    assert.equal(info.state.messages, 40);
    assert.notEqual(info.cluster?.leader, undefined);
  });
});
