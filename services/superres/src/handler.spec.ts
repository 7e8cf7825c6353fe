import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { loadInferenceConfig } from '@revive/config';
import { messageId, parseEvent, Subjects, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { ItemCancelledError, type Outcome } from '@revive/messaging';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { createSuperresHandlers, type SuperresHandlers } from './handler.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('superres-test', 'silent');
type Colorized = EventOf<typeof Subjects.imageColorized>;

const context = (signal?: AbortSignal) => recordingContext('superres', signal);

function nextOf(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  const next = outcome.next[0]!;
  assert.equal(next.subject, Subjects.imageSuperResolved);
  return { msgID: next.msgID, event: parseEvent(Subjects.imageSuperResolved, next.payload) };
}

function rejectedWith(outcome: Outcome, code: string): string {
  assert.ok(outcome.kind === 'reject' && outcome.code === code, JSON.stringify(outcome));
  return outcome.reason;
}

describe('superres handlers', () => {
  let dir: string;
  let store: ObjectStore;
  let runtime: ModelRuntime;
  let handlers: SuperresHandlers;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-superres-spec-'));
    store = createFilesystemStore(join(dir, 'objects'));
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    // 32 px tiles: a 48x32 image takes two, so progress is seen tile by tile.
    handlers = createSuperresHandlers({ store, runtime, log, maxInputPixels: 1e7, tileSize: 32, tmpDir: dir });
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A 48x32 colour PNG as colorize hands it on. */
  async function colorized(scale: 1 | 2 | 4): Promise<Colorized> {
    const mediaId = randomUUID();
    const key = `media/${mediaId}/colorized.png`;
    const px = Buffer.from(Array.from({ length: 48 * 32 * 3 }, (_, i) => ((i % 3) * 80 + Math.floor(i / 3) * 3) % 256));
    await store.put(
      key,
      await sharp(px, { raw: { width: 48, height: 32, channels: 3 } })
        .png()
        .toBuffer(),
      { contentType: 'image/png' },
    );
    return parseEvent(Subjects.imageColorized, {
      mediaId,
      options: { scale },
      at: new Date().toISOString(),
      key,
      width: 48,
      height: 32,
      isMonochrome: false,
    });
  }

  it('doubles the size at x2 and reports each tile', async () => {
    const input = await colorized(2);
    const ctx = context();
    const { msgID, event } = nextOf(await handlers.image(input, ctx));
    assert.equal(msgID, messageId(input.mediaId, 'superres'));
    assert.deepEqual([event.key, event.width, event.height, event.skipped], [`media/${input.mediaId}/superres.png`, 96, 64, undefined]);
    const meta = await sharp(await buffer(await store.get(event.key))).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 96, 64]);
    assert.deepEqual(ctx.seen, [
      [1, 2, 'tiles'],
      [2, 2, 'tiles'],
    ]);
  });

  it('quadruples the size at x4', async () => {
    const { event } = nextOf(await handlers.image(await colorized(4), context()));
    assert.deepEqual([event.width, event.height], [192, 128]);
  });

  it('stops after the tile in progress once the item is cancelled, and writes nothing', async () => {
    const input = await colorized(4);
    const cancel = new AbortController();
    const ctx = context(cancel.signal);
    const progress = ctx.progress;
    ctx.progress = (d, t, u) => {
      progress(d, t, u);
      if (d === 1) cancel.abort(new ItemCancelledError(input.mediaId));
    };
    await assert.rejects(handlers.image(input, ctx), { name: 'InferenceAbortedError' }, 'thrown on for the consumer loop to settle');
    assert.deepEqual(ctx.seen, [[1, 2, 'tiles']], 'the second tile never ran');
    assert.equal(await store.head(`media/${input.mediaId}/superres.png`), undefined);
  });

  it('hands the item on unchanged at x1', async () => {
    const input = await colorized(1);
    const { event } = nextOf(await handlers.image(input, context()));
    assert.deepEqual([event.key, event.width, event.height, event.skipped], [input.key, 48, 32, 'size kept']);
    assert.equal(await store.head(`media/${input.mediaId}/superres.png`), undefined);
  });

  it('fails with MODEL_UNAVAILABLE when the configured model is missing or of the wrong factor', async () => {
    const missing = createSuperresHandlers({ store, runtime, log, maxInputPixels: 1e7, models: { 2: 'esrgan-none-x2' } });
    assert.match(
      rejectedWith(await missing.image(await colorized(2), context()), 'MODEL_UNAVAILABLE'),
      /no model "esrgan-none-x2" is installed/,
    );
    const wrong = createSuperresHandlers({ store, runtime, log, maxInputPixels: 1e7, models: { 2: 'esrgan-slim-x4' } });
    assert.match(rejectedWith(await wrong.image(await colorized(2), context()), 'MODEL_UNAVAILABLE'), /upscales x4, the item asks for x2/);
  });

  it('rejects with INPUT_MISSING when the colorized image is gone', async () => {
    const input = await colorized(2);
    await store.delete(input.key);
    rejectedWith(await handlers.image(input, context()), 'INPUT_MISSING');
  });

  it('emits the same next event when the item is delivered twice', async () => {
    const input = await colorized(2);
    const first = nextOf(await handlers.image(input, context()));
    const second = nextOf(await handlers.image(input, context()));
    // `at` is the completion time; JetStream drops the second publish by its msgID anyway.
    assert.deepEqual({ ...second, event: { ...second.event, at: '' } }, { ...first, event: { ...first.event, at: '' } });
  });
});
