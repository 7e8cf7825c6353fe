import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summariseColorization, type ColorizeSample } from './colorize-eval.ts';

const sample = (method: string, group: string, psnr: number, colourfulness: number, trueColourfulness: number): ColorizeSample => ({
  method,
  group,
  psnr,
  ssim: psnr / 100,
  colourfulness,
  trueColourfulness,
  seconds: 1,
});

describe('summariseColorization', () => {
  it('averages PSNR per photo and takes the colourfulness ratio of sums, overall and per source', () => {
    const rows = summariseColorization([
      sample('grayscale', 'urban', 20, 0, 10),
      sample('model', 'urban', 19, 2, 10),
      sample('grayscale', 'people', 24, 0, 30),
      sample('model', 'people', 26, 24, 30),
    ]);
    const row = (method: string, group: string) => rows.find((r) => r.method === method && r.group === group)!;
    assert.equal(rows.length, 6);
    assert.deepEqual(
      rows.slice(0, 2).map((r) => r.group),
      ['all', 'all'],
    );
    assert.equal(row('model', 'all').psnr, 22.5);
    // (2 + 24) / (10 + 30), not the mean of the per-photo ratios 0.2 and 0.8
    assert.equal(row('model', 'all').colourfulnessRatio, 0.65);
    assert.equal(row('model', 'urban').colourfulnessRatio, 0.2);
    assert.equal(row('model', 'all').images, 2);
    assert.equal(row('model', 'urban').psnr, 19);
    assert.equal(row('grayscale', 'people').psnr, 24);
    assert.equal(row('model', 'people').seconds, 1);
  });

  it('gives no per-source rows for a plain folder (one source)', () => {
    const rows = summariseColorization([sample('grayscale', '', 20, 0, 10), sample('model', '', 21, 5, 10)]);
    assert.deepEqual(
      rows.map((r) => `${r.method}/${r.group}`),
      ['grayscale/all', 'model/all'],
    );
    assert.equal(rows[1]!.colourfulnessRatio, 0.5);
  });
});
