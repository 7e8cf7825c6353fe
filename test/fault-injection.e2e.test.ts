import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import { connect, type ConsumerInfo } from 'nats';
import sharp from 'sharp';
import WebSocket from 'ws';
import { Consumers, Streams, Subjects } from '@revive/contracts';
import {
  freePort,
  startNatsServer,
  startS3Server,
  type LocalStack,
  type RunningNatsServer,
  type RunningS3Server,
} from '@revive/local-services';
import { watchAcks } from './support/ack-watch.ts';
import { describeMedia, pollUntil, type MediaStateLike } from './support/bounded-wait.ts';
import {
  describeMediaAt,
  query,
  uploadFile,
  waitForMedia,
  watchProgress,
  MEDIA_FIELDS,
  type ProgressMessage,
} from './support/graphql-client.ts';
import { eventCounts, waitForTerminal, type SettledMedia } from './support/pipeline-audit.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures/images');
const greyPhoto = join(fixtures, 'brooklyn-bridge-1880s-grey-160.jpg');
const colourPhoto = join(fixtures, 'garden-410x256.jpg');

/**
 * Faults on the real stack (nats-server, PostgreSQL, Swift S3, one OS process per service):
 * every accepted item ends COMPLETED or FAILED with a reason, none is processed twice (each
 * event reaches the stream at most once per item) and none is lost.
 */
describe('fault injection: kill -9 a stage, kill and restart nats-server, an object-store outage, restart the gateway under a subscription', () => {
  let s3: RunningS3Server;
  let nats: RunningNatsServer;
  let system: TestStack;
  let stack: LocalStack;
  const accepted: string[] = [];
  let logs: string[];
  let preprocessHealth: number;
  const call = () => ({ token: stack.token });

  before(async () => {
    // Our own nats-server (the services are pointed at it) so the test can restart it.
    [s3, nats] = await Promise.all([startS3Server(), startNatsServer()]);
    preprocessHealth = await freePort();
    system = await startTestStack('fault-injection', {
      env: {
        REVIVE_NATS_URL: nats.url,
        // Short redelivery so a killed stage's message comes back quickly; enough attempts to outlast the outage.
        REVIVE_ACK_WAIT_SECONDS: '5',
        REVIVE_MAX_DELIVER: '10',
        REVIVE_STORE: 's3',
        REVIVE_S3_BUCKET: 'revive-faults',
        REVIVE_S3_ENDPOINT: s3.endpoint,
        REVIVE_S3_REGION: s3.region,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
      // Preprocess's readiness probe: how an orchestrator would see the object-store outage.
      serviceEnv: (name) => (name === 'preprocess' ? { REVIVE_HEALTH_PORT: String(preprocessHealth) } : {}),
    });
    ({ stack, logs } = system);
  });
  after(async () => {
    await system?.stop();
    await Promise.all([nats?.stop(), s3?.stop()]);
  });

  async function upload(name: string, options: Record<string, unknown>, bytes?: Uint8Array): Promise<string> {
    const response = await uploadFile(stack.graphqlUrl, name, options, bytes ?? new Uint8Array(await readFile(greyPhoto)), call());
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const id = response.data!.uploadMedia.id;
    accepted.push(id);
    return id;
  }

  /** Each item's events reached the stream at most once; a completed one has exactly one `published`. */
  async function assertOnce(ids: readonly string[]): Promise<void> {
    const counts = await eventCounts({ servers: nats.url });
    for (const id of ids) {
      const perItem = counts.get(id);
      assert.ok(perItem, `events of ${id} are in the stream`);
      for (const [subject, n] of perItem) assert.equal(n, 1, `${subject} reached the stream ${n} times for ${id}`);
      assert.equal(perItem.get(Subjects.imageUploaded), 1, `${id} was uploaded once`);
    }
  }

  function assertSettled(media: SettledMedia): void {
    if (media.status === 'FAILED')
      assert.ok(media.error?.code && media.error.message, `${media.id} failed with a reason: ${JSON.stringify(media.error)}`);
    else assert.equal(media.status, 'COMPLETED');
  }

  /** The durable consumer as nats-server holds it now. */
  async function consumerInfo(name: string): Promise<ConsumerInfo> {
    const nc = await connect({ servers: nats.url });
    try {
      return await (await nc.jetstreamManager()).consumers.info(Streams.media, name);
    } finally {
      await nc.close();
    }
  }
  const backlog = (i: ConsumerInfo) => `pending ${i.num_pending}, ack pending ${i.num_ack_pending}, redelivered ${i.num_redelivered}`;

  /** The item whose event sits at `seq` in the media stream. */
  async function mediaIdAt(seq: number): Promise<string | undefined> {
    const nc = await connect({ servers: nats.url });
    try {
      const m = await (await nc.jetstreamManager()).streams.getMessage(Streams.media, { seq });
      return (m.json() as { mediaId?: string }).mediaId;
    } finally {
      await nc.close();
    }
  }

  /** Log lines since `mark`, parsed (the services log pino JSON, one record a line). */
  const linesSince = (mark: number) =>
    logs.slice(mark).flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  const describeItems = async (ids: readonly string[]) =>
    (await Promise.all(ids.map((id) => describeMediaAt(stack.graphqlUrl, id, call())))).join('; ');

  it('stores the original before uploadMedia returns, and a failure later leaves it retrievable', async () => {
    // A JPEG by its magic bytes that no decoder can read: accepted, then failed by preprocess.
    const good = await readFile(greyPhoto);
    const truncated = good.subarray(0, 600);
    stack.services.preprocess.pause();
    let id: string;
    try {
      id = await upload('truncated.jpg', { scale: 2 }, truncated);
      // Preprocess is frozen: if the original is retrievable now, it was stored before the mutation answered.
      const queued = await waitForOriginal(id);
      assert.deepEqual(queued, new Uint8Array(truncated));
    } finally {
      stack.services.preprocess.resume();
    }
    const media = await waitForTerminal(stack.graphqlUrl, id!, call());
    assert.equal(media.status, 'FAILED');
    assert.ok(media.error?.code && media.error.message, 'the failure says why');
    const original = new Uint8Array(await (await fetch(media.originalUrl)).arrayBuffer());
    assert.deepEqual(original, new Uint8Array(truncated), 'the original of a failed item is still served, byte for byte');
  });

  async function waitForOriginal(id: string): Promise<Uint8Array> {
    const { data, errors } = await query<{ media: { originalUrl: string; status: string } }>(
      stack.graphqlUrl,
      `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} } }`,
      { id },
      call(),
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    const response = await fetch(data!.media.originalUrl);
    assert.equal(response.status, 200);
    return new Uint8Array(await response.arrayBuffer());
  }

  it('kill -9 of a stage in the middle of a message: the item is redelivered and completes once', async () => {
    // A larger grey picture keeps colorize busy long enough to be killed while it holds the message.
    const bigGrey = new Uint8Array(await sharp(colourPhoto).resize(820, 512).greyscale().jpeg().toBuffer());
    let killed: Promise<number> | undefined;
    let killedAt = 0;
    const replies = await watchAcks({ servers: nats.url }, Streams.media, Consumers.colorizeImage);
    const client = subscriber(stack.graphqlUrl, stack.token);
    try {
      stack.services.preprocess.pause();
      let id: string;
      let sub: ReturnType<typeof client.watch>;
      try {
        id = await upload('big-grey.jpg', { scale: 1, colorize: 'ON' }, bigGrey);
        sub = client.watch(id, (m) => {
          if (!killed && m.stage === 'COLORIZE' && (m.event === 'STAGE_STARTED' || m.event === 'STAGE_PROGRESS')) {
            killedAt = Date.now();
            // Read once the process is gone, before its ack wait runs out: what it held is still unacknowledged.
            killed = stack.services.colorize
              .crashAndRestart()
              .then(async () => (await consumerInfo(Consumers.colorizeImage)).num_ack_pending);
          }
        });
        await sub.ready;
      } finally {
        stack.services.preprocess.resume();
      }
      const messages = await sub.done;
      assert.ok(killed, 'colorize was killed while it showed progress on the item');
      assert.ok((await killed) >= 1, 'the killed colorize held a message it had not acknowledged');
      assert.equal(messages.filter((m) => m.event === 'COMPLETED').length, 1);
      const media = await waitForTerminal(stack.graphqlUrl, id!, call());
      assert.equal(media.status, 'COMPLETED', JSON.stringify(media.error));
      await assertOnce([id!]);
      // The redelivery itself: colorize's one +ACK for the item's message answers its second delivery or a later one.
      const seqs = new Set<number>();
      for (const seq of new Set(replies.acks.map((a) => a.streamSeq))) if ((await mediaIdAt(seq)) === id!) seqs.add(seq);
      const forItem = replies.acks.filter((a) => seqs.has(a.streamSeq));
      const done = forItem.filter((a) => a.kind === '+ACK');
      assert.equal(done.length, 1, `one acknowledgement of ${id!}'s colorize message: ${JSON.stringify(forItem)}`);
      assert.ok(done[0]!.deliveryCount >= 2, `acknowledged on delivery ${done[0]!.deliveryCount}: ${JSON.stringify(forItem)}`);
      // Its output was published after the kill: colorize had started and not finished when it died.
      const colorized = await firstEventAt(Subjects.imageColorized, id!);
      assert.ok(
        colorized > killedAt,
        `colorized at ${new Date(colorized).toISOString()}, killed before ${new Date(killedAt).toISOString()}`,
      );
    } finally {
      client.dispose();
      await replies.close();
    }
  });

  async function firstEventAt(subject: string, id: string): Promise<number> {
    const nc = await connect({ servers: nats.url });
    try {
      const consumer = await nc.jetstream().consumers.get(Streams.media, { filterSubjects: subject });
      for (;;) {
        const m = await consumer.next({ expires: 1000 });
        assert.ok(m, `${subject} for ${id} is in the stream`);
        if ((m.json() as { mediaId: string }).mediaId === id) return m.info.timestampNanos / 1e6;
      }
    } finally {
      await nc.close();
    }
  }

  it('kill -9 and restart of nats-server with several items in flight: the services reconnect and every item completes once', async () => {
    // Superres frozen: items pile up mid-pipeline (one delivered to it, unacknowledged) while others move.
    stack.services.superres.pause();
    let ids: string[];
    const mark = logs.length;
    try {
      ids = await Promise.all(Array.from({ length: 6 }, (_, i) => upload(`grey-${i}.jpg`, { scale: i % 2 ? 2 : 1, colorize: 'OFF' })));
      // Every item has reached superres: delivered to the frozen stage and not acknowledged, or waiting behind it.
      const held = (i: ConsumerInfo) => i.num_ack_pending >= 1 && i.num_ack_pending + i.num_pending >= ids.length;
      const before = await pollUntil(() => consumerInfo(Consumers.superresImage), held, {
        what: `the six items to be held, unacknowledged, at the frozen superres`,
        timeoutMs: 120_000,
        describe: async (i) => `superres consumer ${backlog(i)}; ${await describeItems(ids)}`,
      });
      // A crash, not a shutdown: whatever nats-server acknowledged must be there when it is back.
      await nats.restart('SIGKILL');
      const after = await consumerInfo(Consumers.superresImage);
      assert.ok(held(after), `the unacknowledged items survived the kill: before ${backlog(before)}, after ${backlog(after)}`);
      // The stages saw the server go and come back (their connection status, logged).
      await pollUntil(
        async () => linesSince(mark).filter((l) => l.msg === 'NATS reconnect'),
        (lines) => lines.length > 0,
        { what: 'a stage to log its NATS reconnect', timeoutMs: 60_000, describe: () => 'no reconnect logged' },
      );
      assert.ok(
        linesSince(mark).some((l) => l.msg === 'NATS disconnect'),
        'a stage logged its NATS disconnect',
      );
    } finally {
      stack.services.superres.resume();
    }
    const settled = await Promise.all(ids!.map((id) => waitForTerminal(stack.graphqlUrl, id, call(), 180_000)));
    for (const media of settled) assert.equal(media.status, 'COMPLETED', JSON.stringify(media.error));
    await assertOnce(ids!);
  });

  /** Preprocess's readiness answer: 200, or 503 with the checks that failed. */
  async function preprocessReadiness(): Promise<{ status: number; failed: string[] }> {
    const response = await fetch(`http://127.0.0.1:${preprocessHealth}/readyz`);
    const body = (await response.json()) as { failed?: string[] };
    return { status: response.status, failed: body.failed ?? [] };
  }

  it('an object-store outage: stages retry with backoff and the items complete once it is back', async () => {
    assert.equal((await preprocessReadiness()).status, 200, 'preprocess is ready before the outage');
    stack.services.preprocess.pause();
    let ids: string[];
    const mark = logs.length;
    try {
      ids = await Promise.all(Array.from({ length: 3 }, (_, i) => upload(`outage-${i}.jpg`, { scale: 2, colorize: 'OFF' })));
      await s3.stopProxy();
    } finally {
      stack.services.preprocess.resume();
    }
    // What the outage looked like from inside: preprocess reports its store down, and put every item back for a retry.
    await pollUntil(preprocessReadiness, (r) => r.status === 503 && r.failed.includes('store'), {
      what: 'preprocess to report the object store down',
      timeoutMs: 30_000,
      describe: (r) => JSON.stringify(r),
    });
    const retried = () =>
      new Set(
        linesSince(mark).flatMap((l) =>
          l.service === 'revive-preprocess' && l.msg === 'item failed' && l.outcome === 'retry' ? [l.mediaId] : [],
        ),
      );
    await pollUntil(
      async () => retried(),
      (seen) => ids.every((id) => seen.has(id)),
      {
        what: 'preprocess to meet the outage on every item and retry it',
        timeoutMs: 60_000,
        describe: async (seen) => `retried ${[...seen].join(', ') || 'none'}; ${await describeItems(ids)}`,
      },
    );
    assert.ok(
      linesSince(mark).some((l) => /ECONNREFUSED/.test(JSON.stringify(l.err ?? ''))),
      'the retries were for the refused connection',
    );
    // Nothing moved while the store was away: no item got past preprocess.
    for (const id of ids) {
      const media = await waitForMedia<MediaStateLike>(stack.graphqlUrl, id, call(), () => true, {
        what: 'read',
        fields: 'status stages { stage status }',
      });
      const preprocess = media!.stages!.find((s) => s.stage === 'PREPROCESS')!.status;
      assert.ok(
        ['QUEUED', 'PROCESSING'].includes(media!.status) && ['PENDING', 'RUNNING'].includes(preprocess),
        `${id} did not move during the outage: ${describeMedia(media)}`,
      );
    }
    await s3.startProxy();
    await pollUntil(preprocessReadiness, (r) => r.status === 200, {
      what: 'preprocess to be ready again',
      timeoutMs: 30_000,
      describe: (r) => JSON.stringify(r),
    });
    const settled = await Promise.all(ids.map((id) => waitForTerminal(stack.graphqlUrl, id, call(), 180_000)));
    for (const media of settled) assert.equal(media.status, 'COMPLETED', JSON.stringify(media.error));
    await assertOnce(ids);
  });

  it('restarting the gateway under an open graphql-ws subscription: the client reconnects, resubscribes and sees the item complete', async () => {
    const client = subscriber(stack.graphqlUrl, stack.token);
    try {
      stack.services.preprocess.pause();
      let id: string;
      let sub: ReturnType<typeof client.watch>;
      try {
        id = await upload('ws.jpg', { scale: 2, colorize: 'AUTO' });
        sub = client.watch(id);
        await sub.ready;
        await stack.services.gateway.crashAndRestart();
        await stack.services.gateway.waitForLog(/gateway listening/, 60_000);
      } finally {
        stack.services.preprocess.resume();
      }
      const messages = await sub.done;
      assert.ok(client.connections() >= 2, `the client connected again (${client.connections()} connections)`);
      assert.ok(messages.filter((m) => m.event === 'SNAPSHOT').length >= 2, 'a fresh snapshot after resubscribing');
      assert.equal(messages.at(-1)!.event, 'COMPLETED');
      assert.equal(messages.at(-1)!.media.status, 'COMPLETED');
      await assertOnce([id!]);
    } finally {
      client.dispose();
    }
  });

  it('every accepted item settled: completed, or failed with a reason; none lost', async () => {
    assert.ok(accepted.length >= 12);
    const settled = await Promise.all(accepted.map((id) => waitForTerminal(stack.graphqlUrl, id, call(), 60_000)));
    settled.forEach(assertSettled);
    await assertOnce(accepted);
  });
});

/** A graphql-ws client that reconnects (as the web page does) and resubscribes after a gateway restart. */
function subscriber(url: string, token: string) {
  let connections = 0;
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 60,
    retryWait: () => new Promise((r) => setTimeout(r, 250)),
    shouldRetry: () => true,
    on: { connected: () => (connections += 1) },
  });
  return {
    connections: () => connections,
    dispose: () => void client.dispose(),
    watch: (id: string, onMessage?: (m: ProgressMessage) => void) => watchProgress(client, id, onMessage),
  };
}
