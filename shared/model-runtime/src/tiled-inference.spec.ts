import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolve } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { memoryRasterSink, memoryRasterSource, type Channels, type RasterSink } from '@revive/image-io';
import { InferenceAbortedError } from './errors.ts';
import { createModelRegistry } from './model-registry.ts';
import { createModelRuntime, type LoadedModel, type ModelRuntime } from './model-runtime.ts';
import { tileStarts } from './tile-plan.ts';
import { runTiled, type TiledInferenceOptions } from './tiled-inference.ts';

const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

async function raw(image: Sharp): Promise<{ pixels: Uint8Array; width: number; height: number; channels: Channels }> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels as Channels };
}

async function upscale(model: LoadedModel, img: Awaited<ReturnType<typeof raw>>, options: TiledInferenceOptions = {}): Promise<Uint8Array> {
  const s = model.manifest.scale;
  const sink = memoryRasterSink(img.width * s, img.height * s, img.channels);
  await runTiled(model, memoryRasterSource(img.pixels, img.width, img.height, img.channels), sink, options);
  return sink.pixels;
}

/** Distance (input px) from each coordinate to the nearest tile edge that is not an image edge. */
function distanceToInnerEdges(length: number, tile: number, overlap: number): number[] {
  const edges = tileStarts(length, tile, overlap)
    .flatMap((s) => [s, s + tile])
    .filter((e) => e > 0 && e < length);
  return Array.from({ length }, (_, i) => Math.min(Infinity, ...edges.map((e) => Math.abs(i + 0.5 - e))));
}

describe('runTiled', () => {
  let runtime: ModelRuntime;
  let slim: LoadedModel;
  before(async () => {
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    slim = await runtime.load('esrgan-slim-x2');
  });
  after(() => runtime.close());

  it('matches whole-image inference away from tile borders and stays close at them (no seams)', async (t) => {
    const img = await raw(sharp(fixture));
    const tile = 64;
    const overlap = 16;
    const whole = await upscale(slim, img, { tileSize: 512 });
    const tiled = await upscale(slim, img, { tileSize: tile, overlap });
    const dx = distanceToInnerEdges(img.width, tile, overlap);
    const dy = distanceToInnerEdges(img.height, tile, overlap);
    const w = img.width * 2;
    let interiorMax = 0;
    let borderMax = 0;
    let borderSum = 0;
    let borderCount = 0;
    for (let y = 0; y < img.height * 2; y++) {
      for (let x = 0; x < w; x++) {
        const near = Math.min(dx[x >> 1]!, dy[y >> 1]!) < overlap;
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(whole[(y * w + x) * 3 + c]! - tiled[(y * w + x) * 3 + c]!);
          if (near) {
            borderMax = Math.max(borderMax, d);
            borderSum += d;
            borderCount++;
          } else interiorMax = Math.max(interiorMax, d);
        }
      }
    }
    t.diagnostic(`interior max ${interiorMax}, tile-border max ${borderMax}, tile-border mean ${(borderSum / borderCount).toFixed(4)}`);
    // Away from borders a tile sees its whole receptive field: only float rounding can differ.
    assert.ok(interiorMax <= 1, `interior max difference ${interiorMax}`);
    // Within an overlap of a tile edge, feathered blending keeps the result within a few levels.
    assert.ok(borderMax <= 3, `tile-border max difference ${borderMax}`);
    assert.ok(borderSum / borderCount < 0.1, `tile-border mean difference ${(borderSum / borderCount).toFixed(3)}`);
  });

  it('returns grey for grey input, equal to the luma of the RGB result', async () => {
    const grey = await raw(sharp(fixture).extract({ left: 100, top: 60, width: 96, height: 80 }).greyscale());
    assert.equal(grey.channels, 1);
    const asRgb = {
      ...grey,
      channels: 3 as Channels,
      pixels: Uint8Array.from({ length: grey.pixels.length * 3 }, (_, i) => grey.pixels[Math.floor(i / 3)]!),
    };
    const outGrey = await upscale(slim, grey, { tileSize: 48, overlap: 16 });
    const outRgb = await upscale(slim, asRgb, { tileSize: 48, overlap: 16 });
    assert.equal(outGrey.length, 96 * 2 * 80 * 2);
    let max = 0;
    for (let i = 0; i < outGrey.length; i++) {
      const luma = 0.299 * outRgb[i * 3]! + 0.587 * outRgb[i * 3 + 1]! + 0.114 * outRgb[i * 3 + 2]!;
      max = Math.max(max, Math.abs(outGrey[i]! - luma));
    }
    assert.ok(max <= 1.5, `grey vs luma of RGB: ${max}`);
  });

  it('keeps alpha out of the model and resizes it, colour unchanged', async () => {
    const rgb = await raw(sharp(fixture).extract({ left: 0, top: 0, width: 80, height: 64 }).removeAlpha());
    const rgba = new Uint8Array(80 * 64 * 4);
    for (let i = 0; i < 80 * 64; i++) {
      rgba.set(rgb.pixels.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = i % 80 < 40 ? 255 : 0; // opaque left half, transparent right half
    }
    const outRgba = await upscale(slim, { pixels: rgba, width: 80, height: 64, channels: 4 });
    const outRgb = await upscale(slim, rgb);
    for (let i = 0; i < 160 * 128; i++) {
      const x = i % 160;
      assert.deepEqual([...outRgba.subarray(i * 4, i * 4 + 3)], [...outRgb.subarray(i * 3, i * 3 + 3)]);
      if (x < 78) assert.equal(outRgba[i * 4 + 3], 255);
      if (x > 81) assert.equal(outRgba[i * 4 + 3], 0);
    }
  });

  it('reports progress after every tile', async () => {
    const img = await raw(sharp(fixture).extract({ left: 0, top: 0, width: 100, height: 70 }));
    const seen: string[] = [];
    await upscale(slim, img, { tileSize: 48, overlap: 8, onProgress: (p) => void seen.push(`${p.tilesDone}/${p.tilesTotal}`) });
    const total = tileStarts(100, 48, 8).length * tileStarts(70, 48, 8).length;
    assert.deepEqual(
      seen,
      Array.from({ length: total }, (_, i) => `${i + 1}/${total}`),
    );
  });

  it('stops when aborted and discards the partial output', async () => {
    const img = await raw(sharp(fixture).extract({ left: 0, top: 0, width: 100, height: 70 }));
    const controller = new AbortController();
    let aborted = false;
    const sink: RasterSink = {
      writeRows: async () => {},
      end: async () => assert.fail('must not complete'),
      abort: async () => void (aborted = true),
    };
    const run = runTiled(slim, memoryRasterSource(img.pixels, 100, 70, 3), sink, {
      tileSize: 48,
      overlap: 8,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.tilesDone === 2) controller.abort(new Error('user cancelled'));
      },
    });
    await assert.rejects(run, InferenceAbortedError);
    assert.ok(aborted);
  });
});
