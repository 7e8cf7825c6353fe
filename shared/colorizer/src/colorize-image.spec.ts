import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import { analyseColour } from './colour-analysis.ts';
import { colorizeImageFile, DEFAULT_COLORIZE_MODEL } from './colorize-image.ts';
import { chroma, luma } from './ycbcr.ts';

const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

async function rgbOf(path: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(path).removeAlpha().toColourspace('srgb').raw().toBuffer());
}

/** BT.601 luma (0–255) of interleaved pixels. */
function lumaPlane(pixels: Uint8Array, channels: number): Float64Array {
  return Float64Array.from({ length: pixels.length / channels }, (_, i) =>
    channels >= 3 ? luma(pixels[i * channels]!, pixels[i * channels + 1]!, pixels[i * channels + 2]!) * 255 : pixels[i * channels]!,
  );
}

describe('colorizeImageFile', () => {
  let runtime: ModelRuntime;
  let dir: string;
  let grey: string;
  before(async () => {
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    dir = await mkdtemp(join(tmpdir(), 'revive-colorize-'));
    grey = join(dir, 'grey.png');
    await sharp(fixture).toColourspace('b-w').png().toFile(grey);
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the bundled model through the registry and loads it', async () => {
    const found = await runtime.registry.find('colorize');
    assert.ok(
      found.some((m) => m.id === DEFAULT_COLORIZE_MODEL),
      `installed: ${found.map((m) => m.id).join(', ')}`,
    );
    const model = await runtime.load(DEFAULT_COLORIZE_MODEL);
    assert.deepEqual([model.session.inputNames, model.session.outputNames], [['luma'], ['chroma']]);
  });

  it('adds colour to a grey photo and keeps its luminance', async (t) => {
    const out = join(dir, 'colorized.png');
    const result = await colorizeImageFile(runtime, { inputPath: grey, outputPath: out, mode: 'auto', maxInputPixels: 1e8 });
    assert.equal(result.colorized, true);
    const rgb = await rgbOf(out);
    const before = new Uint8Array(await sharp(grey).toColourspace('b-w').raw().toBuffer());
    const yOut = lumaPlane(rgb, 3);
    let maxDiff = 0;
    let sumDiff = 0;
    let chromaSum = 0;
    for (let i = 0; i < yOut.length; i++) {
      const d = Math.abs(yOut[i]! - before[i]!);
      sumDiff += d;
      // Gamut clipping of saturated colours on very dark or bright pixels may move luma; nothing else may.
      if (before[i]! > 20 && before[i]! < 235) maxDiff = Math.max(maxDiff, d);
      const [cb, cr] = chroma(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!);
      chromaSum += Math.hypot(cb, cr);
    }
    const meanChroma = chromaSum / yOut.length;
    t.diagnostic(
      `mean |chroma| ${meanChroma.toFixed(4)}, luma max diff (mid-tones) ${maxDiff.toFixed(2)}, mean ${(sumDiff / yOut.length).toFixed(3)}; colourfulness ${analyseColour(rgb, 3).colourfulness.toFixed(1)}`,
    );
    assert.ok(meanChroma > 0.02, `mean chroma ${meanChroma} is too close to grey`);
    assert.ok(maxDiff <= 1.5, `luma moved by ${maxDiff}`);
    assert.ok(sumDiff / yOut.length < 0.6);
  });

  it('brings back colours closer to the true ones than grey is (a photo it never trained on)', async (t) => {
    const out = join(dir, 'colorized-vs-truth.png');
    await colorizeImageFile(runtime, { inputPath: grey, outputPath: out, mode: 'on', maxInputPixels: 1e8 });
    const truth = await rgbOf(fixture);
    const psnr = (pixels: Uint8Array) => {
      let se = 0;
      for (let i = 0; i < truth.length; i++) se += (pixels[i]! - truth[i]!) ** 2;
      return 10 * Math.log10((255 * 255 * truth.length) / se);
    };
    const greyRgb = await rgbOf(grey);
    const [colorized, baseline] = [psnr(await rgbOf(out)), psnr(greyRgb)];
    t.diagnostic(`PSNR against the true colours: colorized ${colorized.toFixed(2)} dB, grey ${baseline.toFixed(2)} dB`);
    assert.ok(colorized > baseline + 0.5, `colorized ${colorized.toFixed(2)} dB does not beat grey ${baseline.toFixed(2)} dB`);
  });

  it('treats a sepia print as monochrome and colorizes it from its luma', async () => {
    const sepia = join(dir, 'sepia.jpg');
    await sharp(fixture).tint({ r: 112, g: 66, b: 20 }).jpeg({ quality: 92 }).toFile(sepia);
    const out = join(dir, 'sepia-colorized.png');
    const result = await colorizeImageFile(runtime, { inputPath: sepia, outputPath: out, mode: 'auto', maxInputPixels: 1e8 });
    assert.equal(result.colorized, true, `analysis: ${JSON.stringify(result.analysis)}`);
  });

  it('leaves a colour photo alone under auto and writes nothing', async () => {
    const out = join(dir, 'untouched.png');
    const result = await colorizeImageFile(runtime, { inputPath: fixture, outputPath: out, mode: 'auto', maxInputPixels: 1e8 });
    assert.deepEqual([result.colorized, !result.colorized && result.reason], [false, 'already-colour']);
    assert.ok(!existsSync(out));
    const off = await colorizeImageFile(runtime, { inputPath: grey, outputPath: out, mode: 'off', maxInputPixels: 1e8 });
    assert.deepEqual([off.colorized, !off.colorized && off.reason], [false, 'mode-off']);
  });

  it('keeps the alpha channel of a grey image with transparency', async () => {
    const input = join(dir, 'grey-alpha.png');
    const { data, info } = await sharp(grey).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const ga = new Uint8Array(info.width * info.height * 2);
    for (let i = 0; i < info.width * info.height; i++) {
      ga[i * 2] = data[i]!;
      ga[i * 2 + 1] = i % info.width < info.width / 2 ? 255 : 64;
    }
    await sharp(ga, { raw: { width: info.width, height: info.height, channels: 2 } })
      .png()
      .toFile(input);
    const out = join(dir, 'grey-alpha-colorized.png');
    await colorizeImageFile(runtime, { inputPath: input, outputPath: out, mode: 'on', maxInputPixels: 1e8 });
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels], [410, 256, 4]);
    const rgba = new Uint8Array(await sharp(out).raw().toBuffer());
    for (let i = 0; i < 410 * 256; i++) assert.equal(rgba[i * 4 + 3], ga[i * 2 + 1]);
  });
});

describe('analyseColour', () => {
  it('calls grey and toned prints monochrome and a colour photo colour', async () => {
    const thumb = async (image: Sharp) => {
      const { data, info } = await image
        .resize(64, 64, { fit: 'inside' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      return analyseColour(new Uint8Array(data), info.channels);
    };
    assert.equal((await thumb(sharp(fixture))).isMonochrome, false);
    assert.equal((await thumb(sharp(fixture).greyscale())).isMonochrome, true);
    const sepia = await thumb(sharp(fixture).tint({ r: 112, g: 66, b: 20 }));
    assert.equal(sepia.isMonochrome, true, `spread ${sepia.chromaSpread}`);
    assert.ok(sepia.meanCr > 0.01, 'the tint is seen, only not taken for colour');
  });
});
