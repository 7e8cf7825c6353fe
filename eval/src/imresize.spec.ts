import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFloatImage } from './float-image.ts';
import { imresizeBicubic } from './imresize.ts';

/** A horizontal ramp: value = column index, identical in every row and channel. */
function ramp(width: number, height: number): ReturnType<typeof createFloatImage> {
  const img = createFloatImage(width, height, 1);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) img.data[y * width + x] = x;
  return img;
}

describe('imresizeBicubic (MATLAB imresize, bicubic)', () => {
  it('keeps a constant image constant, up and down', () => {
    const flat = createFloatImage(9, 7, 3, new Array(9 * 7 * 3).fill(77));
    for (const scale of [0.5, 0.25, 2, 3]) {
      const out = imresizeBicubic(flat, scale);
      assert.equal(out.width, Math.ceil(9 * scale));
      assert.equal(out.height, Math.ceil(7 * scale));
      for (const v of out.data) assert.ok(Math.abs(v - 77) < 1e-9, `scale ${scale}: ${v}`);
    }
  });

  it('samples a ramp at MATLAB pixel centres when halving (antialiased kernel, interior exact)', () => {
    const out = imresizeBicubic(ramp(32, 8), 0.5);
    // Output column o (0-based) sits at input coordinate 2o + 0.5: the centre of pixels 2o and 2o+1.
    for (let o = 3; o < 13; o++) assert.ok(Math.abs(out.data[o]! - (2 * o + 0.5)) < 1e-9, `column ${o}: ${out.data[o]}`);
  });

  it('reproduces a ramp when doubling (Keys a=-0.5 is exact on linear signals)', () => {
    const out = imresizeBicubic(ramp(16, 4), 2);
    // Output column o sits at input coordinate (o + 1) / 2 + 0.25 - 1 (0-based).
    for (let o = 4; o < 28; o++) assert.ok(Math.abs(out.data[o]! - ((o + 1) / 2 - 0.75)) < 1e-9, `column ${o}: ${out.data[o]}`);
  });

  it('mirrors at the borders instead of fading to black', () => {
    const flat = createFloatImage(4, 4, 1, new Array(16).fill(200));
    const out = imresizeBicubic(flat, 0.25);
    assert.equal(out.width, 1);
    assert.ok(Math.abs(out.data[0]! - 200) < 1e-9);
  });
});
