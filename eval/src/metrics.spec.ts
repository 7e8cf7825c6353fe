import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFloatImage } from './float-image.ts';
import { psnr, rgbToY, shaveBorder, ssim } from './metrics.ts';

function noise(width: number, height: number, seed: number): ReturnType<typeof createFloatImage> {
  const img = createFloatImage(width, height, 1);
  let s = seed;
  for (let i = 0; i < img.data.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    img.data[i] = (s / 2 ** 31) * 255;
  }
  return img;
}

describe('metrics', () => {
  it('maps RGB to BT.601 studio-swing luma', () => {
    const y = rgbToY(createFloatImage(3, 1, 3, [0, 0, 0, 255, 255, 255, 255, 0, 0]));
    assert.ok(Math.abs(y.data[0]! - 16) < 1e-9);
    assert.ok(Math.abs(y.data[1]! - 235) < 1e-9);
    assert.ok(Math.abs(y.data[2]! - (16 + 65.481)) < 1e-9);
  });

  it('computes PSNR from the mean squared error', () => {
    const a = createFloatImage(4, 4, 1, new Array(16).fill(100));
    const b = createFloatImage(4, 4, 1, new Array(16).fill(110));
    assert.ok(Math.abs(psnr(a, b) - 10 * Math.log10((255 * 255) / 100)) < 1e-9);
    assert.equal(psnr(a, a), Infinity);
  });

  it('shaves the border before measuring', () => {
    const img = createFloatImage(
      6,
      5,
      1,
      Array.from({ length: 30 }, (_, i) => i),
    );
    const inner = shaveBorder(img, 2);
    assert.deepEqual([inner.width, inner.height, ...inner.data], [2, 1, 14, 15]);
  });

  it('gives SSIM 1 for identical images and the luminance term for flat ones', () => {
    const a = noise(24, 20, 7);
    assert.ok(Math.abs(ssim(a, a) - 1) < 1e-12);
    const flatA = createFloatImage(16, 16, 1, new Array(256).fill(100));
    const flatB = createFloatImage(16, 16, 1, new Array(256).fill(150));
    const c1 = (0.01 * 255) ** 2;
    const expected = (2 * 100 * 150 + c1) / (100 ** 2 + 150 ** 2 + c1);
    assert.ok(Math.abs(ssim(flatA, flatB) - expected) < 1e-9);
  });

  it('ranks a slightly noisy copy above unrelated noise', () => {
    const a = noise(32, 32, 1);
    const near = createFloatImage(
      32,
      32,
      1,
      a.data.map((v, i) => v + ((i * 7) % 5) - 2),
    );
    const far = noise(32, 32, 99);
    assert.ok(ssim(a, near) > 0.95);
    assert.ok(ssim(a, far) < 0.2);
    assert.ok(psnr(a, near) > psnr(a, far));
  });

  it('refuses images of different shapes', () => {
    assert.throws(() => psnr(createFloatImage(2, 2, 1), createFloatImage(2, 3, 1)), /differ in shape/);
  });
});
