import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { repoRoot } from '@revive/config';
import { fillMasked } from './telea-fill.ts';

const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

interface Image {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

/** A smooth ramp, different in each channel; alpha (channel 3) is a constant 200. */
function ramp(width: number, height: number, channels: 1 | 2 | 3 | 4 = 1): Image {
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        pixels[(y * width + x) * channels + c] = c === 3 ? 200 : Math.round(40 + (1.2 - 0.3 * c) * x + (0.3 + 0.2 * c) * y);
      }
    }
  }
  return { pixels, width, height, channels };
}

function maskWhere(width: number, height: number, inside: (x: number, y: number) => boolean): Uint8Array {
  return Uint8Array.from({ length: width * height }, (_, i) => (inside(i % width, Math.floor(i / width)) ? 1 : 0));
}

/** Overwrites the masked pixels with a wrong value, fills them, and returns the largest error against the original. */
function damageAndFill(
  image: Image,
  mask: Uint8Array,
  wrong = 255,
  radius?: number,
): { maxError: number; filled: number; result: Uint8Array } {
  const { pixels, width, height, channels } = image;
  const result = pixels.slice();
  for (let i = 0; i < mask.length; i++) if (mask[i]) result.fill(wrong, i * channels, (i + 1) * channels);
  const damaged = result.slice();
  const filled = fillMasked(result, width, height, channels, mask, radius === undefined ? undefined : { radius });
  assertOutsideUnchanged(damaged, result, mask, channels);
  let maxError = 0;
  for (let i = 0; i < result.length; i++) maxError = Math.max(maxError, Math.abs(result[i]! - pixels[i]!));
  return { maxError, filled, result };
}

function assertOutsideUnchanged(before: Uint8Array, after: Uint8Array, mask: Uint8Array, channels: number): void {
  let changed = 0;
  for (let i = 0; i < before.length; i++) if (!mask[Math.floor(i / channels)] && before[i] !== after[i]) changed++;
  assert.equal(changed, 0, `${changed} bytes outside the mask changed`);
}

function count(mask: Uint8Array): number {
  return mask.reduce((n, m) => n + (m ? 1 : 0), 0);
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (sum / a.length));
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fillMasked (Telea fast marching inpainting)', () => {
  for (const thickness of [1, 2, 3]) {
    for (const [name, inside] of [
      ['vertical', (x: number) => x >= 40 && x < 40 + thickness],
      ['horizontal', (_x: number, y: number) => y >= 30 && y < 30 + thickness],
      ['diagonal', (x: number, y: number) => Math.abs(x - 20 - y) * Math.SQRT1_2 < thickness / 2],
    ] as const) {
      it(`restores a ${thickness} px ${name} line across a smooth gradient to within 2 grey levels`, () => {
        const image = ramp(96, 64);
        const mask = maskWhere(96, 64, inside);
        const { maxError, filled } = damageAndFill(image, mask);
        assert.equal(filled, count(mask));
        assert.ok(maxError <= 2, `max error ${maxError}`);
      });
    }
  }

  it('fills a 12x12 hole in a gradient within the range of its boundary and close to the gradient', () => {
    const image = ramp(64, 64);
    const hole = (x: number, y: number) => x >= 26 && x < 38 && y >= 26 && y < 38;
    const { maxError, result } = damageAndFill(image, maskWhere(64, 64, hole), 0);
    const ring: number[] = [];
    const filled: number[] = [];
    for (let y = 25; y <= 38; y++) {
      for (let x = 25; x <= 38; x++) (hole(x, y) ? filled : ring).push(result[y * 64 + x]!);
    }
    assert.ok(
      Math.min(...filled) >= Math.min(...ring) && Math.max(...filled) <= Math.max(...ring),
      'filled values within the boundary range',
    );
    assert.ok(maxError <= 3, `max error ${maxError}`);
  });

  it('leaves every byte outside a scattered mask unchanged, on noise', () => {
    const next = random(7);
    const [width, height, channels] = [53, 41, 3] as const;
    const pixels = Uint8Array.from({ length: width * height * channels }, () => Math.floor(next() * 256));
    const mask = Uint8Array.from({ length: width * height }, () => (next() < 0.2 ? 1 + Math.floor(next() * 255) : 0));
    const before = pixels.slice();
    assert.equal(fillMasked(pixels, width, height, channels, mask), count(mask));
    assertOutsideUnchanged(before, pixels, mask, channels);
  });

  it('returns 0 and changes nothing for an empty mask', () => {
    const { pixels } = ramp(20, 10, 3);
    const before = pixels.slice();
    assert.equal(fillMasked(pixels, 20, 10, 3, new Uint8Array(200)), 0);
    assert.deepEqual(pixels, before);
  });

  it('leaves an all-masked image unchanged and returns', () => {
    const { pixels } = ramp(20, 10, 3);
    const before = pixels.slice();
    assert.equal(fillMasked(pixels, 20, 10, 3, new Uint8Array(200).fill(1)), 0);
    assert.deepEqual(pixels, before);
  });

  for (const [name, inside] of [
    ['the left columns', (x: number) => x < 3],
    ['the bottom row', (_x: number, y: number) => y === 47],
    ['a corner block', (x: number, y: number) => x >= 58 && y < 6],
    ['a line from edge to edge', (x: number, y: number) => x === y + 8],
  ] as const) {
    it(`fills a mask touching the image border: ${name}`, () => {
      const image = ramp(64, 48, 3);
      const mask = maskWhere(64, 48, inside);
      const { maxError, filled } = damageAndFill(image, mask);
      assert.equal(filled, count(mask));
      assert.ok(maxError <= 3, `max error ${maxError}`);
    });
  }

  for (const channels of [1, 2, 4] as const) {
    it(`fills every channel of a ${channels}-channel image, alpha included`, () => {
      const image = ramp(48, 40, channels);
      const mask = maskWhere(48, 40, (x, y) => Math.abs(x - y) <= 1 || (x >= 30 && x < 36 && y >= 5 && y < 11));
      const { maxError, filled, result } = damageAndFill(image, mask, 7);
      assert.equal(filled, count(mask));
      assert.ok(maxError <= 3, `max error ${maxError}`);
      if (channels === 4) {
        for (let i = 3; i < result.length; i += 4) assert.equal(result[i], 200, `alpha of pixel ${(i - 3) / 4}`);
      }
    });
  }

  it('fills a single masked pixel and honours a small radius', () => {
    const image = ramp(9, 9);
    const mask = maskWhere(9, 9, (x, y) => x === 4 && y === 4);
    assert.equal(damageAndFill(image, mask, 255, 1).maxError, 0);
    assert.ok(
      damageAndFill(
        image,
        maskWhere(9, 9, (x) => x === 4),
        255,
        1.5,
      ).maxError <= 1,
    );
  });

  it('fills a hole the same way every time', () => {
    const image = ramp(64, 64, 3);
    const mask = maskWhere(64, 64, (x, y) => (x - 30) ** 2 + (y - 33) ** 2 < 64 || x === 50);
    assert.deepEqual(damageAndFill(image, mask).result, damageAndFill(image, mask).result);
  });

  it('rejects sizes that do not match the buffers and radii below 1', () => {
    assert.throws(() => fillMasked(new Uint8Array(11), 2, 2, 3, new Uint8Array(4)), RangeError);
    assert.throws(() => fillMasked(new Uint8Array(12), 2, 2, 3, new Uint8Array(3)), RangeError);
    assert.throws(() => fillMasked(new Uint8Array(12), 2, 2, 3, new Uint8Array(4), { radius: 0.5 }), RangeError);
    assert.throws(() => fillMasked(new Uint8Array(12), 2, 2, 3, new Uint8Array(4), { radius: NaN }), RangeError);
  });

  it('repairs synthetic scratches on a photo by several dB of PSNR', async () => {
    const { data, info } = await sharp(fixture).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const original = new Uint8Array(data);
    const { width, height } = info;
    const mask = new Uint8Array(width * height);
    // Thin bright scratches, 1 to 2 px wide, as an old print gathers them.
    const scratches = [
      [15, 10, 395, 240, 1],
      [60, 250, 300, 5, 2],
      [205, 0, 215, 255, 1],
      [0, 128, 409, 140, 2],
    ] as const;
    for (const [x0, y0, x1, y1, thickness] of scratches) {
      const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0));
      for (let s = 0; s <= steps; s++) {
        const x = Math.round(x0 + ((x1 - x0) * s) / steps);
        const y = Math.round(y0 + ((y1 - y0) * s) / steps);
        for (let t = 0; t < thickness; t++) mask[Math.min(y + t, height - 1) * width + x] = 1;
      }
    }
    const scratched = original.slice();
    for (let i = 0; i < mask.length; i++) if (mask[i]) scratched.fill(255, i * 3, i * 3 + 3);
    const repaired = scratched.slice();
    assert.equal(fillMasked(repaired, width, height, 3, mask), count(mask));
    assertOutsideUnchanged(scratched, repaired, mask, 3);
    const [before, after] = [psnr(original, scratched), psnr(original, repaired)];
    assert.ok(after - before >= 10, `PSNR ${before.toFixed(2)} dB scratched, ${after.toFixed(2)} dB repaired`);
  });
});
