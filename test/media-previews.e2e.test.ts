import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { LocalStack } from '@revive/local-services';
import { query, uploadFile, waitForMedia, type CallOptions } from './support/graphql-client.ts';
import { ARTIFACTS, startTestStack, type TestStack } from './support/test-stack.ts';

const garden = resolve(import.meta.dirname, 'fixtures/images/garden-410x256.jpg');

interface Preview {
  url: string;
  width: number;
  height: number;
}
interface Size {
  width: number;
  height: number;
  bytes: number;
}
interface MediaState {
  status: string;
  progress: number;
  etaSeconds: number | null;
  originalPreview: Preview | null;
  resultPreview: Preview | null;
  originalSize: Size | null;
  resultSize: Size | null;
  resultUrl: string | null;
  stages: Array<{ stage: string; status: string }>;
}
const FIELDS = `status progress etaSeconds resultUrl stages { stage status }
  originalPreview { url width height } resultPreview { url width height }
  originalSize { width height bytes } resultSize { width height bytes }`;

describe('media previews, sizes, whole-item progress and ETA end to end (real nats-server, PostgreSQL, one process per service)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let call: CallOptions;
  let photo: string;
  const measured: Record<string, number> = {};

  before(async () => {
    system = await startTestStack('media-previews');
    stack = system.stack;
    call = { token: stack.token };
    // A 1640x1024 photo with a real photo's detail everywhere: the garden 4x4 at its own resolution.
    photo = join(system.stateDir, 'garden-mosaic-1640x1024.jpg');
    const tile = await readFile(garden);
    const tiles = Array.from({ length: 16 }, (_, i) => ({ input: tile, left: (i % 4) * 410, top: Math.floor(i / 4) * 256 }));
    await sharp({ create: { width: 1640, height: 1024, channels: 3, background: '#000' } })
      .composite(tiles)
      .jpeg({ quality: 90 })
      .toFile(photo);
  });
  after(async () => {
    await system?.stop();
    await writeFile(join(ARTIFACTS, 'media-previews.json'), JSON.stringify(measured, null, 2));
  });

  async function mediaOf(id: string): Promise<MediaState> {
    const { data, errors } = await query<{ media: MediaState }>(
      stack.graphqlUrl,
      `query ($id: ID!) { media(id: $id) { ${FIELDS} } }`,
      { id },
      call,
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.media;
  }
  async function until(id: string, done: (m: MediaState) => boolean, what: string, timeoutMs = 120_000): Promise<MediaState> {
    return (await waitForMedia<MediaState>(stack.graphqlUrl, id, call, (m) => !!m && done(m), { what, timeoutMs, fields: FIELDS }))!;
  }
  /** Fetches a preview by its signed URL and checks it is the WebP its fields describe. */
  async function fetchPreview(preview: Preview): Promise<number> {
    const response = await fetch(preview.url);
    assert.equal(response.status, 200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', preview.width, preview.height]);
    assert.ok(Math.max(preview.width, preview.height) <= 480);
    return bytes.length;
  }
  async function upload(path: string, options: Record<string, unknown>): Promise<string> {
    const response = await uploadFile(stack.graphqlUrl, path, options, undefined, call);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.uploadMedia.id;
  }
  const publishWaiting = (m: MediaState) => m.stages.every((s) => s.stage === 'PUBLISH' || s.status === 'DONE' || s.status === 'SKIPPED');

  it('the original preview and size come with preprocess, the result preview and size with publish; progress and ETA add up', async () => {
    const originalBytes = (await readFile(photo)).length;
    stack.services.publish.pause();
    let id: string;
    let waiting: MediaState;
    try {
      id = await upload(photo, { scale: 1, colorize: 'OFF', repair: 'OFF' });
      waiting = await until(id, publishWaiting, 'every stage before publish');
    } finally {
      stack.services.publish.resume();
    }
    assert.equal(waiting.status, 'PROCESSING');
    assert.deepEqual(waiting.originalSize, { width: 1640, height: 1024, bytes: originalBytes });
    assert.deepEqual([waiting.originalPreview?.width, waiting.originalPreview?.height], [480, 300]);
    measured.originalPreviewBytes = await fetchPreview(waiting.originalPreview!);
    assert.deepEqual([waiting.resultPreview, waiting.resultSize], [null, null], 'no result before publish');
    assert.ok(waiting.progress > 0 && waiting.progress < 100, `progress ${waiting.progress}`);
    assert.ok(waiting.etaSeconds !== null && waiting.etaSeconds >= 0 && waiting.etaSeconds < 600, `eta ${waiting.etaSeconds}`);

    const done = await until(id, (m) => m.status === 'COMPLETED', 'COMPLETED');
    assert.deepEqual([done.progress, done.etaSeconds], [100, null]);
    const result = new Uint8Array(await (await fetch(done.resultUrl!)).arrayBuffer());
    assert.deepEqual(done.resultSize, { width: 1640, height: 1024, bytes: result.length });
    measured.resultPreviewBytes = await fetchPreview(done.resultPreview!);
    measured.resultBytes = result.length;
    assert.ok(measured.resultPreviewBytes < 60_000, `a preview of ${measured.resultPreviewBytes} bytes is too heavy for a 50-item page`);
  });

  it('a second item is estimated from the first one’s recorded stage times: an ETA while it runs, none once done', async () => {
    stack.services.publish.pause();
    let id: string;
    let waiting: MediaState;
    try {
      id = await upload(garden, { scale: 1, colorize: 'OFF', repair: 'OFF' });
      const queued = await mediaOf(id);
      assert.ok(queued.progress >= 0 && queued.progress < 100);
      waiting = await until(id, publishWaiting, 'every stage before publish');
    } finally {
      stack.services.publish.resume();
    }
    assert.deepEqual([waiting.originalPreview?.width, waiting.originalPreview?.height], [410, 256], 'a small photo is not enlarged');
    measured.smallPhotoPreviewBytes = await fetchPreview(waiting.originalPreview!);
    assert.ok(waiting.progress > 0 && waiting.progress < 100, `progress ${waiting.progress}`);
    assert.ok(waiting.etaSeconds !== null && waiting.etaSeconds >= 0 && waiting.etaSeconds < 600, `eta ${waiting.etaSeconds}`);
    const done = await until(id, (m) => m.status === 'COMPLETED', 'COMPLETED');
    assert.deepEqual([done.progress, done.etaSeconds, done.resultSize?.width, done.resultSize?.height], [100, null, 410, 256]);
  });
});
