import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { readRgbPixels, writePngFile } from '@revive/image-io';
import { createModelRegistry, createModelRuntime, ModelRejectedError, type ModelRuntime } from '@revive/model-runtime';
import { DEFAULT_THRESHOLDS, detectionScaleFor, markAndFillBand } from './damage-repair.ts';
import { describeRegions, labelRegions } from './damage-regions.ts';
import { assertRegionVerifier, LEAST_FILL_WEIGHT, regionFillWeights } from './damage-verifier.ts';
import { damagePrint, seededRandom } from './synthetic-damage.ts';
import {
  createFrameRepairer,
  DEFAULT_REPAIR_DETECTOR,
  DEFAULT_REPAIR_VERIFIER,
  describeRepair,
  fillerFor,
  PREVIOUS_REPAIR_ENGINE,
  repairImageFile,
  repairModelProblem,
} from './repair-image.ts';

const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / se);
}

describe('repairImageFile (the committed detector and verifier, Telea fill)', () => {
  let runtime: ModelRuntime;
  let dir: string;
  let photo: { pixels: Uint8Array; width: number; height: number };
  before(async () => {
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
    dir = await mkdtemp(join(tmpdir(), 'revive-repair-'));
    photo = await readRgbPixels(fixture, 1e7);
  });
  after(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds its models installed and of the right kind', async () => {
    assert.equal(await repairModelProblem(runtime), undefined);
  });

  it('repairs a scratched, dusty, cracked print: closer to the clean one, and unmasked pixels untouched', async () => {
    const print = damagePrint(photo.pixels, photo.width, photo.height, seededRandom(11), { tone: 'sepia', severity: 1.2 });
    const input = join(dir, 'damaged.png');
    await writePngFile(input, print.damaged, print.width, print.height, 3);
    const output = join(dir, 'repaired.png');
    const mask = new Uint8Array(print.width * print.height);
    const progress: number[] = [];
    const result = await repairImageFile(runtime, {
      inputPath: input,
      outputPath: output,
      mode: 'auto',
      maxInputPixels: 1e7,
      tmpDir: dir,
      onMask: (rows, y0) => mask.set(rows, y0 * print.width),
      onProgress: (done) => void progress.push(done),
    });
    assert.ok(result.repaired, 'damage was found');
    assert.ok(result.damagedFraction > 0.001 && result.damagedFraction < 0.3, `${result.damagedFraction} of the picture filled`);
    assert.ok(progress.length >= 1);
    const repaired = (await readRgbPixels(output, 1e7)).pixels;
    const before = psnr(print.damaged, print.clean);
    const afterRepair = psnr(repaired, print.clean);
    assert.ok(afterRepair > before + 3, `PSNR ${before.toFixed(2)} dB damaged, ${afterRepair.toFixed(2)} dB repaired`);
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) continue;
      for (let k = 0; k < 3; k++)
        assert.equal(repaired[i * 3 + k], print.damaged[i * 3 + k], `pixel ${i} is outside the mask and must not change`);
    }
    assert.match(describeRepair(result.damagedFraction), /^repaired \d+(\.\d+)? % of the picture$/);
  });

  it('takes of each fill only what the verifier weighs it: every region it turns down is left as it was read', async () => {
    const print = damagePrint(photo.pixels, photo.width, photo.height, seededRandom(15), { tone: 'grey', severity: 1 });
    const input = join(dir, 'verify.png');
    await writePngFile(input, print.damaged, print.width, print.height, 3);
    const masks = { every: new Uint8Array(print.width * print.height), verified: new Uint8Array(print.width * print.height) };
    const outputs = { every: join(dir, 'every.png'), verified: join(dir, 'verified.png') };
    for (const which of ['every', 'verified'] as const)
      await repairImageFile(runtime, {
        inputPath: input,
        outputPath: outputs[which],
        mode: 'on',
        maxInputPixels: 1e7,
        tmpDir: dir,
        verifier: which === 'every' ? null : undefined,
        onMask: (rows, y0) => masks[which].set(rows, y0 * print.width),
      });
    const every = (await readRgbPixels(outputs.every, 1e7)).pixels;
    const verified = (await readRgbPixels(outputs.verified, 1e7)).pixels;
    let turnedDown = 0;
    let partly = 0;
    for (let i = 0; i < masks.every.length; i++) {
      if (masks.verified[i]) {
        assert.ok(masks.every[i], `pixel ${i} is filled only where the detector marked it`);
        // The mask says how much of the fill was taken: the pixel lies that far from the print towards its fill.
        const taken = masks.verified[i]! / 255;
        if (taken < 1) partly++;
        for (let k = 0; k < 3; k++) {
          const [read, fill, written] = [print.damaged[i * 3 + k]!, every[i * 3 + k]!, verified[i * 3 + k]!];
          assert.ok(Math.abs(written - (read + taken * (fill - read))) <= 1, `pixel ${i} takes ${taken} of its fill`);
        }
      } else {
        if (masks.every[i]) turnedDown++;
        for (let k = 0; k < 3; k++) assert.equal(verified[i * 3 + k], print.damaged[i * 3 + k], `pixel ${i} is as it was read`);
      }
    }
    assert.ok(
      masks.verified.some((v) => v),
      'the damage is still filled',
    );
    assert.ok(turnedDown > 0, 'the verifier turned some marked pixels down on this print');
    assert.ok(partly > 0, 'and took part of the fill of others');
    assert.ok(psnr(verified, print.clean) > psnr(print.damaged, print.clean) + 3, 'and the print is still much closer to the clean one');
  });

  it('refuses a verifier that reads other features than the repair describes', async () => {
    const verifier = await runtime.load(DEFAULT_REPAIR_VERIFIER);
    const input = { ...verifier.manifest.inputs[0]!, features: ['logArea', 'meanProbability'] };
    const stale = { ...verifier, manifest: { ...verifier.manifest, inputs: [input] } };
    assert.throws(
      () => assertRegionVerifier(stale),
      (error: Error) => error instanceof ModelRejectedError && /logArea, meanProbability/.test(error.message),
    );
    assert.doesNotThrow(() => assertRegionVerifier(verifier));
    const mute = { ...verifier, manifest: { ...verifier.manifest, outputs: [{ ...verifier.manifest.outputs[0]!, name: 'score' }] } };
    assert.throws(
      () => assertRegionVerifier(mute),
      (error: Error) => error instanceof ModelRejectedError && /"score" is none of helps, fillWeight/.test(error.message),
    );
  });

  it("reads a yes/no verifier (the previous engine's) as whole fills and a weighing one as weights, none under the least", async () => {
    const print = damagePrint(photo.pixels, photo.width, photo.height, seededRandom(15), { tone: 'grey', severity: 1 });
    const { width, height } = print;
    const detector = await runtime.load(DEFAULT_REPAIR_DETECTOR);
    const scale = detectionScaleFor(width, height);
    const band = await markAndFillBand(print.damaged, width, height, 3, {
      detector,
      filler: await fillerFor(runtime, 'telea'),
      thresholds: DEFAULT_THRESHOLDS,
      scale,
      top: 0,
    });
    const regions = labelRegions(band.mask, width, height);
    const features = describeRegions(
      { original: print.damaged, filled: band.filled, width, rows: height, channels: 3 },
      regions,
      band.detected,
      scale,
    );
    assert.ok(regions.count > 5, `${regions.count} regions marked`);
    const decided = await regionFillWeights(await runtime.load(PREVIOUS_REPAIR_ENGINE.verifier), features, regions.count);
    assert.ok(decided.every((w) => w === 0 || w === 1));
    const weighed = await regionFillWeights(await runtime.load(DEFAULT_REPAIR_VERIFIER), features, regions.count);
    assert.ok(weighed.every((w) => w === 0 || (w >= LEAST_FILL_WEIGHT && w <= 1)));
    assert.ok(
      weighed.some((w) => w > 0 && w < 1),
      'some region takes part of its fill',
    );
  });

  it('passes a clean print through untouched on auto', async () => {
    const clean = damagePrint(photo.pixels, photo.width, photo.height, seededRandom(12), { tone: 'grey', severity: 0 });
    const input = join(dir, 'clean.png');
    await writePngFile(input, clean.clean, clean.width, clean.height, 3);
    const output = join(dir, 'clean-out.png');
    const result = await repairImageFile(runtime, { inputPath: input, outputPath: output, mode: 'auto', maxInputPixels: 1e7, tmpDir: dir });
    assert.equal(result.repaired, false, `${(result.damagedFraction * 100).toFixed(3)} % taken for damage on a clean print`);
    await assert.rejects(stat(output), 'no output is left behind when nothing was repaired');
  });

  it('works band by band on a picture taller and wider than one band and one tile, and shrinks large scans for detection', async () => {
    const width = 1400;
    const height = 1000;
    const big = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const s = ((y % photo.height) * photo.width + (x % photo.width)) * 3;
        big.set(photo.pixels.subarray(s, s + 3), (y * width + x) * 3);
      }
    }
    const print = damagePrint(big, width, height, seededRandom(13), { tone: 'grey', kinds: ['scratch', 'crack'], severity: 1 });
    const input = join(dir, 'big.png');
    await writePngFile(input, print.damaged, width, height, 3);
    const output = join(dir, 'big-out.png');
    const result = await repairImageFile(runtime, { inputPath: input, outputPath: output, mode: 'on', maxInputPixels: 1e8, tmpDir: dir });
    assert.equal(result.width, width);
    assert.equal(result.height, height);
    const repaired = await readRgbPixels(output, 1e8);
    assert.equal(repaired.width, width);
    assert.ok(psnr(repaired.pixels, print.clean) > psnr(print.damaged, print.clean), 'closer to the clean picture');
  });

  it('repairs video frames the same way every time the same frame comes', async () => {
    const repairer = await createFrameRepairer(runtime, { mode: 'on', width: photo.width, height: photo.height });
    const frame = damagePrint(photo.pixels, photo.width, photo.height, seededRandom(14), {
      keepTone: true,
      severity: 0,
      lineScratchX: 120,
    }).damaged;
    const first = await repairer.repair(frame);
    const second = await repairer.repair(frame);
    const third = await repairer.repair(frame);
    assert.ok(first.damagedFraction > 0, 'the line scratch was found');
    assert.deepEqual(third.pixels, second.pixels, 'a steady line scratch is filled the same way frame after frame');
    assert.ok(psnr(second.pixels, photo.pixels) > psnr(frame, photo.pixels));
  });
});
