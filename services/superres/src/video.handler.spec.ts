import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadInferenceConfig } from '@revive/config';
import { messageId, parseEvent, Subjects, type EventOf } from '@revive/contracts';
import { memoryRasterSink, memoryRasterSource } from '@revive/image-io';
import { createLogger } from '@revive/logging';
import type { Outcome } from '@revive/messaging';
import { createModelRegistry, createModelRuntime, runTiled, type ModelRuntime } from '@revive/model-runtime';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { loadChunkFrames, storeChunk } from '@revive/video-io/testing';
import { createSuperresHandlers, DEFAULT_SUPERRES_MODELS, type SuperresHandlers } from './handler.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('superres-video-test', 'silent');
const [W, H] = [48, 32];

const context = () => recordingContext('superres');

function upscaled(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  return { msgID: outcome.next[0]!.msgID, event: parseEvent(Subjects.videoSuperResolved, outcome.next[0]!.payload) };
}

/** Frames with detail that moves: a diagonal pattern shifting one pixel per frame. */
function frames(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, k) => {
    const f = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) f.set([((x + y + k) * 23) % 256, (x * 9) % 256, (y * 13 + k * 5) % 256], (y * W + x) * 3);
    return f;
  });
}

describe('superres: video chunks', () => {
  let dir: string;
  let store: ObjectStore;
  let runtime: ModelRuntime;
  let handlers: SuperresHandlers;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-superres-video-'));
    store = createFilesystemStore(join(dir, 'objects'));
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    handlers = createSuperresHandlers({ store, runtime, log, maxInputPixels: 1e7, tmpDir: dir });
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  const colorizedChunk = async (options: Partial<EventOf<typeof Subjects.videoColorized>['options']>, count: number, overlapFrames = 0) =>
    parseEvent(Subjects.videoColorized, {
      ...(await storeChunk({
        store,
        dir,
        frames: frames(count),
        width: W,
        height: H,
        options,
        overlapFrames,
        index: 0,
        count: overlapFrames ? 2 : 1,
        totalFrames: 10,
      })),
    });

  it('upscales every frame with the model, overlap frame included, exactly as it upscales a photo', async () => {
    const input = await colorizedChunk({ scale: 2 }, 5, 1);
    const ctx = context();
    const { msgID, event } = upscaled(await handlers.video(input, ctx));
    assert.equal(msgID, messageId(input.mediaId, 'superres', 0));
    assert.deepEqual([event.width, event.height, event.skipped, event.frames, event.chunk], [W * 2, H * 2, undefined, 10, input.chunk]);
    assert.deepEqual(ctx.seen.at(-1), [4, 4, 'frames'], "progress counts the chunk's own frames");
    const out = await loadChunkFrames(store, event.key, W * 2, H * 2, dir);
    assert.equal(out.length, 5);
    const sink = memoryRasterSink(W * 2, H * 2, 3);
    await runTiled(await runtime.load(DEFAULT_SUPERRES_MODELS[2]), memoryRasterSource(frames(5)[4]!, W, H, 3), sink);
    assert.deepEqual(out[4], sink.pixels, "the lossless intermediate keeps the model's output bit for bit");
  });

  it('passes scale 1 through and refuses a missing model as MODEL_UNAVAILABLE', async () => {
    const one = await colorizedChunk({ scale: 1 }, 2);
    const { event } = upscaled(await handlers.video(one, context()));
    assert.deepEqual([event.key, event.width, event.skipped], [one.key, W, 'size kept']);
    const missing = createSuperresHandlers({ store, runtime, log, maxInputPixels: 1e7, models: { 2: 'esrgan-none-x2' } });
    const outcome = await missing.video(await colorizedChunk({ scale: 2 }, 2), context());
    assert.ok(outcome.kind === 'reject' && outcome.code === 'MODEL_UNAVAILABLE', JSON.stringify(outcome));
  });
});
