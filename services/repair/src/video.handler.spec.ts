import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadInferenceConfig } from '@revive/config';
import { messageId, parseEvent, Subjects } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { Outcome } from '@revive/messaging';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { loadChunkFrames, storeChunk } from '@revive/video-io/testing';
import { createRepairHandlers, type RepairHandlers } from './handler.ts';
import { cleanPhoto, scratchMask, scratchPixels, scratchPixelsLeft, withScratches } from './scratches.fixture.ts';
import { NO_DAMAGE_FOUND, REPAIR_NOT_ASKED } from './skip-reasons.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('repair-video-test', 'silent');
const W = 160;
const H = 128;

const context = () => recordingContext('repair');

function repaired(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  return { msgID: outcome.next[0]!.msgID, event: parseEvent(Subjects.videoRepaired, outcome.next[0]!.payload) };
}

describe('repair: video chunks', () => {
  let dir: string;
  let store: ObjectStore;
  let runtime: ModelRuntime;
  let handlers: RepairHandlers;
  let clean: Uint8Array;
  let scratched: Uint8Array;
  let mask: Uint8Array;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-repair-video-'));
    store = createFilesystemStore(join(dir, 'objects'));
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    handlers = createRepairHandlers({ store, runtime, log, maxInputPixels: 1e7, tmpDir: dir });
    const photo = await cleanPhoto(W, H);
    mask = scratchMask(photo);
    clean = photo.pixels;
    scratched = withScratches(photo, mask).pixels;
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('repairs the frames with scratches, leaves the clean ones as they were, and says how many frames it repaired', async () => {
    const frames = [clean, clean, scratched, scratched, clean, clean];
    const input = await storeChunk({ store, dir, frames, width: W, height: H, options: { repair: 'auto' } });
    const ctx = context();
    const { msgID, event } = repaired(await handlers.video(input, ctx));
    assert.equal(msgID, messageId(input.mediaId, 'repair', 0));
    assert.deepEqual(
      [event.skipped, event.key, event.chunk, event.width, event.frameRate],
      [undefined, `media/${input.mediaId}/repair/chunk-00000.mkv`, input.chunk, W, '25/1'],
    );
    assert.match(event.summary ?? '', /%.* in 2 of 6 frames$/);
    assert.deepEqual(ctx.seen.at(-1), [6, 6, 'frames']);
    const out = await loadChunkFrames(store, event.key, W, H, dir);
    assert.equal(out.length, 6);
    for (const i of [2, 3]) {
      const left = scratchPixelsLeft(out[i]!, mask);
      assert.ok(left < scratchPixels(mask) / 2, `frame ${i}: ${left} of ${scratchPixels(mask)} scratch pixels are still white`);
    }
    for (const i of [0, 1, 4, 5]) assert.deepEqual(out[i], clean, `frame ${i} had no damage and is unchanged`);
  });

  it('hands a chunk without damage on SKIPPED, with the same frames', async () => {
    const input = await storeChunk({ store, dir, frames: [clean, clean, clean], width: W, height: H, options: { repair: 'auto' } });
    const { event } = repaired(await handlers.video(input, context()));
    assert.deepEqual(
      [event.skipped, event.summary, event.key, event.chunk],
      [NO_DAMAGE_FOUND, undefined, `media/${input.mediaId}/repair/chunk-00000.mkv`, input.chunk],
    );
    assert.deepEqual(await loadChunkFrames(store, event.key, W, H, dir), [clean, clean, clean]);
  });

  it('repairs the overlap frame for the next stage but leaves reporting it to the chunk it belongs to', async () => {
    const mediaId = '5d2c7b1e-8a4f-4e6b-9c3d-2f1e0a9b8c7d';
    const first = await storeChunk({
      store,
      dir,
      mediaId,
      frames: [clean, clean, clean, scratched],
      width: W,
      height: H,
      index: 0,
      count: 2,
      overlapFrames: 1,
      totalFrames: 6,
      options: { repair: 'auto' },
    });
    const { event } = repaired(await handlers.video(first, context()));
    assert.equal(event.skipped, NO_DAMAGE_FOUND, "the chunk's own three frames are clean");
    const out = await loadChunkFrames(store, event.key, W, H, dir);
    assert.equal(out.length, 4);
    assert.ok(scratchPixelsLeft(out[3]!, mask) < scratchPixels(mask) / 2, 'the overlap frame was repaired all the same');
  });

  it('hands the chunk on untouched when repair is off', async () => {
    const input = await storeChunk({ store, dir, frames: [scratched, scratched], width: W, height: H, options: { repair: 'off' } });
    const { msgID, event } = repaired(await handlers.video(input, context()));
    assert.equal(msgID, messageId(input.mediaId, 'repair', 0));
    assert.deepEqual([event.skipped, event.key, event.chunk], [REPAIR_NOT_ASKED, input.key, input.chunk]);
    assert.equal(await store.head(`media/${input.mediaId}/repair/chunk-00000.mkv`), undefined);
  });

  it('hands a finished chunk on again from its record instead of redoing it', async () => {
    const input = await storeChunk({ store, dir, frames: [clean, scratched, clean], width: W, height: H, options: { repair: 'auto' } });
    const first = repaired(await handlers.video(input, context()));
    await store.delete(input.key);
    const again = repaired(await handlers.video(input, context()));
    assert.deepEqual(again, first);
  });

  it('fails with MODEL_UNAVAILABLE when the detector is missing', async () => {
    const empty = join(dir, 'no-models');
    await mkdir(empty, { recursive: true });
    const bare = createModelRuntime({ registry: createModelRegistry([empty]), threads: 1 });
    try {
      const input = await storeChunk({ store, dir, frames: [scratched], width: W, height: H, options: { repair: 'on' } });
      const outcome = await createRepairHandlers({ store, runtime: bare, log, maxInputPixels: 1e7, tmpDir: dir }).video(input, context());
      assert.ok(outcome.kind === 'reject' && outcome.code === 'MODEL_UNAVAILABLE', JSON.stringify(outcome));
    } finally {
      await bare.close();
    }
  });
});
