import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { memoryRasterSink, memoryRasterSource } from '@revive/image-io';
import { createModelRegistry, createModelRuntime, runTiled, type ModelRuntime } from '@revive/model-runtime';
import { DEFAULT_SUPERRES_MODELS } from './handler.ts';

const fixture = join(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

/** Y-channel PSNR of 8-bit RGB rasters with `shave` border pixels dropped (the literature's score). */
function psnrY(a: Uint8Array, b: Uint8Array, width: number, height: number, shave: number): number {
  let sum = 0;
  let n = 0;
  for (let y = shave; y < height - shave; y++) {
    for (let x = shave; x < width - shave; x++) {
      const i = (y * width + x) * 3;
      const ya = 0.257 * a[i]! + 0.504 * a[i + 1]! + 0.098 * a[i + 2]!;
      const yb = 0.257 * b[i]! + 0.504 * b[i + 1]! + 0.098 * b[i + 2]!;
      sum += (ya - yb) ** 2;
      n++;
    }
  }
  return 10 * Math.log10((255 * 255) / (sum / n));
}

describe("Revive's super-resolution models", () => {
  let runtime: ModelRuntime;
  let hr: Uint8Array;
  const W = 256;
  const H = 256;
  before(async () => {
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    hr = new Uint8Array(await sharp(fixture).extract({ left: 60, top: 0, width: W, height: H }).removeAlpha().raw().toBuffer());
  });
  after(() => runtime.close());

  const raw = (w: number, h: number) => ({ raw: { width: w, height: h, channels: 3 as const } });
  const downscale = async (scale: number) =>
    new Uint8Array(
      await sharp(hr, raw(W, H))
        .resize(W / scale, H / scale, { kernel: 'cubic' })
        .raw()
        .toBuffer(),
    );
  const bicubicUp = async (lr: Uint8Array, scale: number) =>
    new Uint8Array(
      await sharp(lr, raw(W / scale, H / scale))
        .resize(W, H, { kernel: 'cubic' })
        .raw()
        .toBuffer(),
    );
  async function upscale(id: string, lr: Uint8Array, scale: number): Promise<Uint8Array> {
    const model = await runtime.load(id);
    const sink = memoryRasterSink(W, H, 3);
    await runTiled(model, memoryRasterSource(lr, W / scale, H / scale, 3), sink);
    return sink.pixels;
  }

  it('are installed through the registry, both variants at x2 and x4, and the restoration default is the old-photo one', async () => {
    for (const scale of [2, 4] as const) {
      for (const variant of ['clean', 'photo']) {
        const { manifest } = await runtime.registry.get(`revive-sr-${variant}-x${scale}`);
        assert.equal(manifest.task, 'superres');
        assert.equal(manifest.scale, scale);
        assert.match(manifest.provenance ?? '', /npm run train -- sr/);
      }
      assert.equal(DEFAULT_SUPERRES_MODELS[scale], `revive-sr-photo-x${scale}`);
    }
  });

  for (const scale of [2, 4] as const) {
    it(`clean x${scale} restores detail bicubic cannot (Y-PSNR against the original)`, async () => {
      const lr = await downscale(scale);
      const ours = psnrY(await upscale(`revive-sr-clean-x${scale}`, lr, scale), hr, W, H, scale);
      const bicubic = psnrY(await bicubicUp(lr, scale), hr, W, H, scale);
      assert.ok(ours > bicubic + 0.5, `ours ${ours.toFixed(2)} dB, bicubic ${bicubic.toFixed(2)} dB`);
    });
  }

  it('the old-photo x4 model cleans grain and JPEG artefacts that the clean model keeps', async () => {
    const lr = await downscale(4);
    let s = 7;
    const grainy = lr.map((v) => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return Math.max(0, Math.min(255, v + ((s / 2 ** 31) * 2 - 1) * 14));
    });
    const degraded = new Uint8Array(
      await sharp(
        await sharp(grainy, raw(W / 4, H / 4))
          .jpeg({ quality: 45 })
          .toBuffer(),
      )
        .raw()
        .toBuffer(),
    );
    const photo = psnrY(await upscale('revive-sr-photo-x4', degraded, 4), hr, W, H, 4);
    const clean = psnrY(await upscale('revive-sr-clean-x4', degraded, 4), hr, W, H, 4);
    const bicubic = psnrY(await bicubicUp(degraded, 4), hr, W, H, 4);
    assert.ok(
      photo > clean && photo > bicubic,
      `photo ${photo.toFixed(2)} dB, clean ${clean.toFixed(2)} dB, bicubic ${bicubic.toFixed(2)} dB`,
    );
  });
});
