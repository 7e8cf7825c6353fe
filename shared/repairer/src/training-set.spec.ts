import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { worstWindow } from './training-set.ts';

/** A width×height map with `value` over the rectangle [x0, x1) × [y0, y1). */
function paint<T extends Float32Array | Uint8Array>(map: T, width: number, rect: [number, number, number, number], value: number): T {
  const [x0, y0, x1, y1] = rect;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) map[y * width + x] = value;
  return map;
}

describe('worstWindow (where the hard-crop miner cuts)', () => {
  const width = 256;
  const height = 192;

  it('cuts where the detector marks the most pixels that are not damage', () => {
    const probability = new Float32Array(width * height);
    // A few false marks top left, many (a tuft of grass, say) bottom right.
    paint(probability, width, [4, 4, 10, 8], 0.9);
    paint(probability, width, [170, 120, 200, 150], 0.8);
    const window = worstWindow(probability, new Uint8Array(width * height), width, height, 64);
    assert.equal(window.falsePixels, 30 * 30);
    assert.ok(window.x <= 170 && window.x + 64 >= 200, `window x ${window.x} holds the tuft`);
    assert.ok(window.y <= 120 && window.y + 64 >= 150, `window y ${window.y} holds the tuft`);
  });

  it('does not count marks on true damage, nor marks at or below one half', () => {
    const probability = new Float32Array(width * height);
    const mask = new Uint8Array(width * height);
    // A big correctly found crack bottom right; a small false mark top left; a hesitant one in the middle.
    paint(probability, width, [150, 100, 250, 180], 0.95);
    paint(mask, width, [150, 100, 250, 180], 255);
    paint(probability, width, [20, 20, 26, 24], 0.7);
    paint(probability, width, [100, 60, 140, 100], 0.5);
    const window = worstWindow(probability, mask, width, height, 64);
    assert.equal(window.falsePixels, 24);
    assert.ok(window.x <= 20 && window.y <= 20, `window at ${window.x},${window.y} holds the false mark`);
  });
});
