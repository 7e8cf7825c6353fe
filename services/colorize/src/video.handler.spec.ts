import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { chroma, DEFAULT_COLORIZE_MODEL } from '@revive/colorizer';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { messageId, parseEvent, Subjects } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { Outcome } from '@revive/messaging';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { loadChunkFrames, storeChunk } from '@revive/video-io/testing';
import { createColorizeHandlers, type ColorizeHandlers } from './handler.ts';
import { createFrameColorizer } from './video-colorizer.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('colorize-video-test', 'silent');
const W = 160;
const H = 128;

const context = () => recordingContext('colorize');

function colorized(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  return { msgID: outcome.next[0]!.msgID, event: parseEvent(Subjects.videoColorized, outcome.next[0]!.payload) };
}

/** Chroma planes (0–255 units) of a frame. */
function chromaPlanes(frame: Uint8Array): Float32Array {
  const out = new Float32Array((frame.length / 3) * 2);
  for (let i = 0, p = 0; p < frame.length; i += 2, p += 3) {
    const [cb, cr] = chroma(frame[p]!, frame[p + 1]!, frame[p + 2]!);
    out[i] = cb * 255;
    out[i + 1] = cr * 255;
  }
  return out;
}

/** Mean |ΔCb| + |ΔCr| per pixel between two frames, in 0–255 units: the colour flicker the eye sees. */
function chromaChange(a: Uint8Array, b: Uint8Array): number {
  const [ca, cb] = [chromaPlanes(a), chromaPlanes(b)];
  let sum = 0;
  for (let i = 0; i < ca.length; i++) sum += Math.abs(ca[i]! - cb[i]!);
  return sum / (ca.length / 2);
}

const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const flicker = (frames: Uint8Array[]) => meanOf(frames.slice(1).map((f, i) => chromaChange(frames[i]!, f)));

/**
 * A static shot as old film shows it: one grey photograph, with fresh grain on every frame and
 * the exposure wobbling a little, as a worn print's does. Nothing moves.
 */
async function staticShot(count: number): Promise<Uint8Array[]> {
  const photo = new Uint8Array(
    await sharp(resolve(repoRoot, 'test/fixtures/images/brooklyn-bridge-1880s-grey-160.jpg'))
      .resize(W, H, { fit: 'fill' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer(),
  );
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: count }, (_, k) => {
    const wobble = 5 * Math.sin(k * 1.3);
    const frame = new Uint8Array(photo.length);
    for (let p = 0; p < photo.length; p += 3) {
      const v = Math.max(0, Math.min(255, Math.round(photo[p]! + wobble + 10 * random())));
      frame[p] = frame[p + 1] = frame[p + 2] = v;
    }
    return frame;
  });
}

describe('colorize: video chunks', () => {
  let dir: string;
  let store: ObjectStore;
  let runtime: ModelRuntime;
  let handlers: ColorizeHandlers;
  let shot: Uint8Array[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-colorize-video-'));
    store = createFilesystemStore(join(dir, 'objects'));
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    handlers = createColorizeHandlers({ store, runtime, log, maxInputPixels: 1e7, tmpDir: dir });
    shot = await staticShot(30);
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('colours a static grey shot without colour flicker: chroma barely changes from frame to frame', async (t) => {
    const input = await storeChunk({ store, dir, frames: shot, width: W, height: H });
    const ctx = context();
    const { msgID, event } = colorized(await handlers.video(input, ctx));
    assert.equal(msgID, messageId(input.mediaId, 'colorize', 0));
    assert.deepEqual(
      [event.skipped === undefined, event.key, event.chunk, event.width, event.frameRate],
      [true, `media/${input.mediaId}/colorize/chunk-00000.mkv`, input.chunk, W, '25/1'],
    );
    assert.deepEqual(ctx.seen.at(-1), [30, 30, 'frames']);
    assert.equal(event.summary, 'added colour to a black-and-white picture');
    const out = await loadChunkFrames(store, event.key, W, H, dir);
    assert.equal(out.length, 30);
    const colour = meanOf(out.map((f) => meanOf(Array.from(chromaPlanes(f), Math.abs))));
    // The same frames, each colorized on its own: what the smoothing is measured against.
    const raw = createFrameColorizer(await runtime.load(DEFAULT_COLORIZE_MODEL), W, H, { staticWeight: 1 });
    const unsmoothed = [];
    for (const f of shot) unsmoothed.push(await raw.colorize(f));
    const [smooth, each] = [flicker(out), flicker(unsmoothed)];
    t.diagnostic(
      `mean |dCb|+|dCr| between consecutive frames (0-255): smoothed ${smooth.toFixed(3)}, frame by frame ${each.toFixed(3)}; mean |chroma| ${colour.toFixed(2)}`,
    );
    assert.ok(colour > 2, `the shot is coloured (mean |chroma| ${colour})`);
    assert.ok(smooth < 0.5, `chroma change between consecutive frames ${smooth} must stay below 0.5 / 255`);
    assert.ok(smooth < each / 2, `smoothing at least halves the flicker (${smooth} vs ${each})`);
  });

  it('carries the smoothing across a chunk boundary and restarts it at a scene cut', async () => {
    const mediaId = '6b0c8a4e-2f1d-4c3b-9a8e-7d6f5e4c3b2a';
    const first = await storeChunk({
      store,
      dir,
      mediaId,
      frames: shot.slice(0, 16),
      width: W,
      height: H,
      index: 0,
      count: 2,
      overlapFrames: 1,
      totalFrames: 30,
    });
    const second = await storeChunk({
      store,
      dir,
      mediaId,
      frames: shot.slice(15),
      width: W,
      height: H,
      index: 1,
      count: 2,
      firstFrame: 15,
      totalFrames: 30,
    });
    const a = await loadChunkFrames(store, colorized(await handlers.video(first, context())).event.key, W, H, dir);
    const b = await loadChunkFrames(store, colorized(await handlers.video(second, context())).event.key, W, H, dir);
    const inside = flicker(a.slice(0, 15));
    const across = chromaChange(a[14]!, b[0]!);
    assert.ok(
      across < Math.max(0.5, 2 * inside),
      `the cut between chunks (${across.toFixed(3)}) looks like any other frame step (${inside.toFixed(3)})`,
    );

    const model = await runtime.load(DEFAULT_COLORIZE_MODEL);
    // Another shot: a different (grey) photograph.
    const other = new Uint8Array(
      await sharp(resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg'))
        .resize(W, H, { fit: 'fill' })
        .greyscale()
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer(),
    );
    const smoothed = createFrameColorizer(model, W, H);
    for (const f of shot.slice(0, 5)) await smoothed.colorize(f);
    const fresh = createFrameColorizer(model, W, H);
    assert.deepEqual(await smoothed.colorize(other), await fresh.colorize(other), 'after a cut the new shot starts from its own colours');
  });

  it("says when a sepia film's tone gave way to colour, as photos do", async () => {
    // A warm tone that fades toward the highlights, as sepia prints and tinted film stock have.
    const sepia = shot.slice(0, 3).map((frame) => {
      const toned = new Uint8Array(frame.length);
      for (let p = 0; p < frame.length; p += 3) {
        const v = frame[p]!;
        const warmth = 0.12 * (1 - v / 255);
        toned[p] = Math.min(255, Math.round(v * (1 + warmth)));
        toned[p + 1] = v;
        toned[p + 2] = Math.round(v * (1 - 2 * warmth));
      }
      return toned;
    });
    const input = await storeChunk({ store, dir, frames: sepia, width: W, height: H });
    const { event } = colorized(await handlers.video(input, context()));
    assert.match(event.summary ?? '', /in place of the print's sepia tone/);
  });

  it('hands a colour video (auto) and colorize OFF on untouched', async () => {
    for (const [options, isMonochrome] of [
      [{ colorize: 'auto' as const }, false],
      [{ colorize: 'off' as const }, true],
    ] as const) {
      const input = await storeChunk({ store, dir, frames: shot.slice(0, 2), width: W, height: H, options, isMonochrome });
      const { event } = colorized(await handlers.video(input, context()));
      assert.deepEqual([typeof event.skipped, event.key, event.chunk], ['string', input.key, input.chunk]);
    }
  });

  it('hands a finished chunk on again from its record instead of redoing it', async () => {
    const input = await storeChunk({ store, dir, frames: shot.slice(0, 3), width: W, height: H });
    const first = colorized(await handlers.video(input, context()));
    await store.delete(input.key);
    const again = colorized(await handlers.video(input, context()));
    assert.deepEqual(again, first);
  });
});
