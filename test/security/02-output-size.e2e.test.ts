import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, DeliverPolicy } from 'nats';
import sharp from 'sharp';
import { Streams, Subjects } from '@revive/contracts';
import { sparsePng } from '@revive/testing';
import { query, uploadFile, type CallOptions } from '../support/graphql-client.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 2: the pixel guard checked inputs only, so a 31 KB PNG of 16000x16000 asked at
// x4 for a 64000x64000 result (4 gigapixels, tens of CPU-minutes). The restored size is now
// derived from the options once (contracts' outputSizeProblems) and checked at upload and by
// every stage; and each user has at most REVIVE_MAX_IN_FLIGHT_PER_USER items in the pipeline,
// the rest waiting QUEUED in PostgreSQL, so one user's backlog does not starve the others.

const IN_FLIGHT = 1;

interface MediaState {
  status: string;
  error: { code: string; stage: string } | null;
}

/** A JPEG whose size is told only after `padding` bytes of metadata segments: no header reader sees it in the first 256 KiB. */
async function lateHeaderJpeg(width: number, height: number, padding: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 90, b: 90 } } })
    .jpeg()
    .toBuffer();
  const segments: Buffer[] = [];
  for (let left = padding; left > 0; left -= 65_533) {
    const body = Buffer.alloc(Math.min(65_533, left));
    // APP15: a segment no decoder interprets.
    segments.push(Buffer.from([0xff, 0xef, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body);
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

describe('security 2: output size is capped, and one user cannot fill the pipeline (real stack)', () => {
  let system: TestStack;
  let call: CallOptions;
  let objects: string;

  before(async () => {
    system = await startTestStack('security-output-size', { env: { REVIVE_MAX_IN_FLIGHT_PER_USER: String(IN_FLIGHT) } });
    call = { token: system.stack.token };
    objects = join(system.stack.env.REVIVE_STATE_DIR!, 'objects', 'media');
  });
  after(() => system?.stop());

  const mediaCount = async (as: CallOptions) =>
    (await query<{ medias: { edges: unknown[] } }>(system.stack.graphqlUrl, '{ medias(first: 100) { edges { cursor } } }', {}, as)).data!
      .medias.edges.length;
  async function until(id: string, as: CallOptions, check: (m: MediaState) => boolean, what: string): Promise<MediaState> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { data, errors } = await query<{ media: MediaState }>(
        system.stack.graphqlUrl,
        'query ($id: ID!) { media(id: $id) { status error { code stage } } }',
        { id },
        as,
      );
      assert.equal(errors, undefined, JSON.stringify(errors));
      if (check(data!.media)) return data!.media;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last state ${JSON.stringify(data!.media)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('refuses a 31 KB PNG of 16000x16000 at x4 at upload with OUTPUT_TOO_LARGE: nothing stored or recorded', async () => {
    const bomb = sparsePng(16000, 16000);
    const before = await mediaCount(call);
    const started = performance.now();
    const refused = await uploadFile(system.stack.graphqlUrl, 'bomb.png', { scale: 4 }, bomb, call);
    const ms = performance.now() - started;
    const error = refused.errors?.[0] as { message: string; extensions?: Record<string, unknown> } | undefined;
    console.log(`16000x16000 PNG (${bomb.length} B) at x4: ${error?.extensions?.code} in ${ms.toFixed(0)} ms: ${error?.message}`);
    assert.equal(error?.extensions?.code, 'OUTPUT_TOO_LARGE');
    assert.equal(error?.extensions?.limitPixels, 2 ** 28);
    assert.match(error!.message, /64000x64000 \(4096000000 pixels\)/);
    assert.equal(await mediaCount(call), before, 'nothing recorded');
    assert.deepEqual(await readdir(objects).catch(() => []), [], 'nothing stored');
  });

  it('a stage refuses what the gateway could not measure: a JPEG whose size lies past its first 256 KiB fails in preprocess with OUTPUT_TOO_LARGE', async () => {
    // 4200x4200 at x4 is 282 million restored pixels, over the default 268 million.
    const jpeg = await lateHeaderJpeg(4200, 4200, 320 * 1024);
    const upload = await uploadFile(system.stack.graphqlUrl, 'late.jpg', { scale: 4, colorize: 'OFF', repair: 'OFF' }, jpeg, call);
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const failed = await until(upload.data!.uploadMedia.id, call, (m) => m.status === 'FAILED' || m.status === 'COMPLETED', 'the verdict');
    assert.deepEqual([failed.status, failed.error?.code, failed.error?.stage], ['FAILED', 'OUTPUT_TOO_LARGE', 'PREPROCESS']);
  });

  it("keeps a user's backlog QUEUED in PostgreSQL, lets another user's upload in first, and releases the backlog across a gateway restart", async () => {
    const alice = { token: (await system.stack.createUser('alice')).token };
    const bob = { token: (await system.stack.createUser('bob')).token };
    const photo = (shade: number) =>
      sharp({ create: { width: 32, height: 24, channels: 3, background: { r: shade, g: 100, b: 60 } } })
        .jpeg()
        .toBuffer();
    const small = { scale: 1, colorize: 'OFF', repair: 'OFF' };
    const upload = async (as: CallOptions, shade: number) => {
      const result = await uploadFile(system.stack.graphqlUrl, `p${shade}.jpg`, small, await photo(shade), as);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return result.data!.uploadMedia.id;
    };

    // Preprocess held: what is released sits in the stream, what is not waits in PostgreSQL.
    system.stack.services.preprocess.pause();
    let aliceItems: string[];
    let bobItem: string;
    try {
      aliceItems = [await upload(alice, 10), await upload(alice, 20), await upload(alice, 30)];
      bobItem = await upload(bob, 40);
      // The gateway restarts (a crash) while alice's backlog waits: the queue is rows, not memory.
      await system.stack.services.gateway.crashAndRestart();
      await system.stack.services.gateway.waitForLog(/gateway listening/, 60_000);
    } finally {
      system.stack.services.preprocess.resume();
    }
    const settled = (m: MediaState) => m.status === 'COMPLETED' || m.status === 'FAILED';
    for (const id of aliceItems) assert.equal((await until(id, alice, settled, `alice's ${id}`)).status, 'COMPLETED');
    assert.equal((await until(bobItem, bob, settled, "bob's item")).status, 'COMPLETED');

    // The stream's order: alice's next upload only after her previous item was published, and bob's before her second.
    const nc = await connect(system.stack.natsAdmin);
    const seqs = new Map<string, number>();
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.consumers.add(Streams.media, { deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.None });
      const consumer = await nc.jetstream().consumers.get(Streams.media, info.name);
      for (;;) {
        const m = await consumer.next({ expires: 1000 });
        if (!m) break;
        if (m.subject === Subjects.imageUploaded || m.subject === Subjects.imagePublished)
          seqs.set(`${m.json<{ mediaId: string }>().mediaId}:${m.subject === Subjects.imageUploaded ? 'in' : 'out'}`, m.seq);
      }
    } finally {
      await nc.close();
    }
    const at = (id: string, what: 'in' | 'out') => seqs.get(`${id}:${what}`) ?? assert.fail(`no ${what} event for ${id}`);
    const [a1, a2, a3] = aliceItems;
    assert.ok(at(a2!, 'in') > at(a1!, 'out'), "alice's second upload entered the pipeline after her first was published");
    assert.ok(at(a3!, 'in') > at(a2!, 'out'), "alice's third after her second");
    assert.ok(at(bobItem, 'in') < at(a2!, 'in'), "bob's upload was not queued behind alice's backlog");
    const label = new Map([...aliceItems.map((id, i) => [id, `alice${i + 1}`] as const), [bobItem, 'bob1'] as const]);
    const order = [...seqs.entries()]
      .filter(([key]) => label.has(key.split(':')[0]!))
      .sort((x, y) => x[1] - y[1])
      .map(([key]) => `${label.get(key.split(':')[0]!)} ${key.endsWith(':in') ? 'uploaded' : 'published'}`);
    console.log(`at most ${IN_FLIGHT} item per user in flight; the stream's order: ${order.join(', ')}`);
  });
});
