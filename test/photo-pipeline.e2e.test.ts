import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import sharp from 'sharp';
import { Streams, Subjects } from '@revive/contracts';
import type { LocalStack } from '@revive/local-services';
import { NO_DAMAGE_FOUND, REPAIR_NOT_ASKED } from '@revive/repair';
import { chromaOf } from './support/chroma.ts';
import { errorAlongDamage, rgbOf } from './support/damage.ts';
import { query, subscribeSse, subscribeWs, uploadFile, MEDIA_FIELDS, type ProgressMessage } from './support/graphql-client.ts';
import { apiStage, expectedStages } from './support/stages.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures/images');
const greyPhoto = join(fixtures, 'brooklyn-bridge-1880s-grey-160.jpg');
const colourPhoto = join(fixtures, 'garden-410x256.jpg');
// The garden as a grey old print with scratches, cracks and dust drawn on it, and the same print undamaged (README.md).
const damagedPrint = join(fixtures, 'garden-damaged-410x256.png');
const cleanPrint = join(fixtures, 'garden-damaged-clean-410x256.png');

const stagesDone = (messages: ProgressMessage[]) =>
  messages.filter((m) => m.event === 'STAGE_DONE' || m.event === 'STAGE_SKIPPED').map((m) => `${m.stage}:${m.event}`);

describe('photo restoration end to end: GraphQL upload → JetStream stages → result (real nats-server, PostgreSQL, ONNX, one process per service)', () => {
  let system: TestStack;
  let stack: LocalStack;
  before(async () => {
    system = await startTestStack('photo-pipeline', {
      // 64 px super-resolution tiles: the default model is fast, and the kill test needs superres
      // still holding the message (many tiles) when its first progress event reaches the test.
      env: {
        REVIVE_ACK_WAIT_SECONDS: '5',
        REVIVE_TILE_SIZE: '64',
      },
    });
    stack = system.stack;
  });
  after(() => system?.stop());

  async function resultOf(id: string) {
    const { data, errors } = await query<{
      media: {
        status: string;
        width: number;
        height: number;
        resultUrl: string;
        stages: Array<{ stage: string; status: string; durationMs: number | null; note: string | null }>;
      };
    }>(stack.graphqlUrl, `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} } }`, { id }, { token: stack.token });
    assert.equal(errors, undefined);
    return data!.media;
  }

  it('restores a grey photo: stage events arrive in flow order over graphql-ws, the result is coloured and twice the size', async () => {
    // Hold preprocess so the subscription is open before the first stage can finish.
    stack.services.preprocess.pause();
    let id: string;
    let sub: ReturnType<typeof subscribeWs>;
    try {
      const upload = await uploadFile(stack.graphqlUrl, greyPhoto, { scale: 2, colorize: 'AUTO', repair: 'OFF' }, undefined, {
        token: stack.token,
      });
      assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
      id = upload.data!.uploadMedia.id;
      assert.deepEqual([upload.data!.uploadMedia.kind, upload.data!.uploadMedia.status], ['IMAGE', 'QUEUED']);
      sub = subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token });
      await sub.ready;
    } finally {
      stack.services.preprocess.resume();
    }
    const messages = await sub.done;
    assert.deepEqual(stagesDone(messages), expectedStages('image', 'STAGE_DONE', { repair: 'STAGE_SKIPPED' }));
    assert.equal(messages.at(-1)!.event, 'COMPLETED');
    assert.ok(
      messages.some((m) => m.event === 'STAGE_PROGRESS' && m.stage === 'SUPERRES'),
      'per-tile progress of super-resolution reached the subscriber',
    );

    const media = await resultOf(id!);
    assert.equal(media.status, 'COMPLETED');
    assert.ok(
      media.stages.every((s) => s.stage === apiStage('repair') || (s.status === 'DONE' && s.durationMs !== null)),
      JSON.stringify(media.stages),
    );
    const repair = media.stages.find((s) => s.stage === apiStage('repair'));
    assert.deepEqual([repair?.status, repair?.note], ['SKIPPED', REPAIR_NOT_ASKED], 'repair OFF: handed on unexamined');
    const result = new Uint8Array(await (await fetch(media.resultUrl)).arrayBuffer());
    const meta = await sharp(result).metadata();
    assert.deepEqual([meta.width, meta.height], [320, 256]);
    assert.ok((await chromaOf(result)) > 2, 'the result has colour');
  });

  it('leaves a colour photo uncoloured with colorize OFF, and its events also arrive over SSE', async () => {
    stack.services.preprocess.pause();
    let sse: Promise<ProgressMessage[]>;
    let id: string;
    try {
      const upload = await uploadFile(stack.graphqlUrl, colourPhoto, { scale: 2, colorize: 'OFF', repair: 'OFF' }, undefined, {
        token: stack.token,
      });
      assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
      id = upload.data!.uploadMedia.id;
      sse = subscribeSse(stack.graphqlUrl, id, { token: stack.token });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      stack.services.preprocess.resume();
    }
    const messages = await sse;
    assert.equal(messages[0]!.event, 'SNAPSHOT');
    assert.deepEqual(stagesDone(messages), expectedStages('image', 'STAGE_DONE', { repair: 'STAGE_SKIPPED', colorize: 'STAGE_SKIPPED' }));
    const media = await resultOf(id!);
    const original = await chromaOf(new Uint8Array(await sharp(colourPhoto).resize(820, 512).png().toBuffer()));
    const result = new Uint8Array(await (await fetch(media.resultUrl)).arrayBuffer());
    assert.deepEqual([(await sharp(result).metadata()).width, (await sharp(result).metadata()).height], [820, 512]);
    assert.ok(Math.abs((await chromaOf(result)) - original) < 0.15 * original, 'colours kept as they were');
  });

  it('finishes an item once when the stage holding its message is killed mid-work and restarted', async () => {
    const upload = await uploadFile(stack.graphqlUrl, colourPhoto, { scale: 4, colorize: 'OFF', repair: 'OFF' }, undefined, {
      token: stack.token,
    });
    const id = upload.data!.uploadMedia.id;
    let killed = false;
    const sub = subscribeWs(
      stack.graphqlUrl,
      id,
      (m) => {
        if (!killed && m.stage === 'SUPERRES' && m.event === 'STAGE_PROGRESS') {
          killed = true;
          void stack.services.superres.crashAndRestart();
        }
      },
      { token: stack.token },
    );
    const messages = await sub.done;
    assert.ok(killed, 'superres was killed while it held the message');
    assert.equal(messages.filter((m) => m.event === 'COMPLETED').length, 1);
    assert.equal((await resultOf(id)).status, 'COMPLETED');

    // Exactly one superresolved and one published event for the item reached the stream.
    const nc = await connect(stack.natsAdmin);
    try {
      const js = nc.jetstream();
      for (const subject of [Subjects.imageSuperResolved, Subjects.imagePublished]) {
        const consumer = await js.consumers.get(Streams.media, { filterSubjects: subject });
        let count = 0;
        for (;;) {
          const m = await consumer.next({ expires: 1000 });
          if (!m) break;
          if ((m.json() as { mediaId: string }).mediaId === id) count += 1;
        }
        assert.equal(count, 1, `${subject} published once`);
      }
    } finally {
      await nc.close();
    }
  });

  it('refuses what is not an image or video with a typed error and stores nothing; malformed GraphQL gets a typed error too', async () => {
    const before = await query<{ medias: { edges: unknown[] } }>(
      stack.graphqlUrl,
      '{ medias(first: 100) { edges { cursor } } }',
      {},
      { token: stack.token },
    );
    const text = await uploadFile(
      stack.graphqlUrl,
      'notes.jpg',
      {},
      new TextEncoder().encode('this is not a picture, whatever its name says'),
      { token: stack.token },
    );
    assert.equal(text.errors?.[0]?.extensions?.code, 'UNSUPPORTED_MEDIA');
    const empty = await uploadFile(stack.graphqlUrl, 'empty.jpg', {}, new Uint8Array(0), { token: stack.token });
    assert.equal(empty.errors?.[0]?.extensions?.code, 'EMPTY_UPLOAD');
    const badScale = await uploadFile(stack.graphqlUrl, greyPhoto, { scale: 3 }, undefined, { token: stack.token });
    assert.equal(badScale.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const after = await query<{ medias: { edges: unknown[] } }>(
      stack.graphqlUrl,
      '{ medias(first: 100) { edges { cursor } } }',
      {},
      { token: stack.token },
    );
    assert.equal(after.data!.medias.edges.length, before.data!.medias.edges.length, 'nothing was recorded');
    const malformed = await query(stack.graphqlUrl, '{ medias(first: 2) { edges { ', {}, { token: stack.token });
    assert.ok(malformed.errors?.length);
    assert.equal(malformed.errors![0]!.extensions?.code, 'GRAPHQL_PARSE_FAILED');
  });

  it('pages through media newest first with cursors', async () => {
    const page1 = await query<{
      medias: { edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
    }>(
      stack.graphqlUrl,
      '{ medias(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
      {},
      { token: stack.token },
    );
    assert.equal(page1.data!.medias.edges.length, 2);
    assert.equal(page1.data!.medias.pageInfo.hasNextPage, true);
    const page2 = await query<{ medias: { edges: Array<{ node: { id: string } }> } }>(
      stack.graphqlUrl,
      'query ($after: String) { medias(first: 2, after: $after) { edges { node { id } } } }',
      { after: page1.data!.medias.pageInfo.endCursor },
      { token: stack.token },
    );
    const ids = [...page1.data!.medias.edges, ...page2.data!.medias.edges].map((e) => e.node.id);
    assert.equal(new Set(ids).size, 3, 'three distinct items over two pages');
  });

  // After the paging test, which counts the items uploaded so far.
  it('repairs a scratched print under repair AUTO: REPAIR done with what it filled, the scratches gone from the result', async (t) => {
    stack.services.preprocess.pause(); // the subscription opens before the first stage finishes
    let id: string;
    let sub: ReturnType<typeof subscribeWs>;
    try {
      const upload = await uploadFile(stack.graphqlUrl, damagedPrint, { scale: 1, colorize: 'OFF', repair: 'AUTO' }, undefined, {
        token: stack.token,
      });
      assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
      id = upload.data!.uploadMedia.id;
      sub = subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token });
      await sub.ready;
    } finally {
      stack.services.preprocess.resume();
    }
    const messages = await sub.done;
    assert.deepEqual(stagesDone(messages), expectedStages('image', 'STAGE_DONE', { colorize: 'STAGE_SKIPPED', superres: 'STAGE_SKIPPED' }));
    const media = await resultOf(id!);
    assert.equal(media.status, 'COMPLETED');
    const repair = media.stages.find((s) => s.stage === apiStage('repair'))!;
    t.diagnostic(`repair note: ${repair.note}`);
    assert.equal(repair.status, 'DONE');
    assert.match(repair.note ?? '', /^repaired \d+(\.\d+)? % of the picture$/);

    const [clean, damaged, result] = await Promise.all([
      rgbOf(cleanPrint),
      rgbOf(damagedPrint),
      rgbOf(new Uint8Array(await (await fetch(media.resultUrl)).arrayBuffer())),
    ]);
    assert.deepEqual([result.width, result.height], [410, 256]);
    const error = errorAlongDamage(clean.pixels, damaged.pixels, result.pixels);
    const figures = `${error.pixels} damaged pixels: mean difference from the clean print ${error.input.toFixed(1)} in the upload, ${error.picture.toFixed(1)} in the result`;
    t.diagnostic(figures);
    assert.ok(error.picture < error.input / 2, `the result is much closer to the clean print where the damage was: ${figures}`);
  });

  it('hands the same print undamaged on untouched under repair AUTO: REPAIR skipped, no damage found, pixels as uploaded', async () => {
    const upload = await uploadFile(stack.graphqlUrl, cleanPrint, { scale: 1, colorize: 'OFF', repair: 'AUTO' }, undefined, {
      token: stack.token,
    });
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const id = upload.data!.uploadMedia.id;
    await subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token }).done;
    const media = await resultOf(id);
    assert.equal(media.status, 'COMPLETED');
    const repair = media.stages.find((s) => s.stage === apiStage('repair'))!;
    assert.deepEqual([repair.status, repair.note], ['SKIPPED', NO_DAMAGE_FOUND], JSON.stringify(repair));
    const result = await rgbOf(new Uint8Array(await (await fetch(media.resultUrl)).arrayBuffer()));
    assert.ok(Buffer.from(result.pixels).equals((await rgbOf(cleanPrint)).pixels), 'the result is the upload, pixel for pixel');
  });
});
