import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { repoRoot } from '@revive/config';
import { frameAverage } from './frame-average.ts';
import type { RgbFrame } from './frame.ts';
import { interpolateFrame } from './interpolator.ts';
import { asFraction, createMinterpolate } from './minterpolate.ts';
import { detectSceneCut } from './scene-cut.ts';

const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

/** A window of the fixture photo starting at column `dx`: a pure horizontal translation between calls. */
async function window(dx: number, width: number, height: number, top = 40): Promise<RgbFrame> {
  const data = await sharp(fixture)
    .extract({ left: 40 + dx, top, width, height })
    .removeAlpha()
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data) };
}

function meanAbsDiff(a: RgbFrame, b: RgbFrame, margin = 0): number {
  let sum = 0;
  let n = 0;
  for (let y = margin; y < a.height - margin; y++) {
    for (let x = margin; x < a.width - margin; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        sum += Math.abs(a.data[i]! - b.data[i]!);
        n++;
      }
    }
  }
  return sum / n;
}

describe('frame interpolation', () => {
  const minterpolate = createMinterpolate();
  let a: RgbFrame;
  let b: RgbFrame;
  before(async () => {
    a = await window(0, 160, 120);
    b = await window(8, 160, 120);
  });

  it('returns the inputs themselves at t = 0 and t = 1', async () => {
    for (const engine of [frameAverage, minterpolate]) {
      const start = await interpolateFrame(engine, a, b, 0);
      const end = await interpolateFrame(engine, a, b, 1);
      assert.deepEqual([start.how, end.how], ['input', 'input']);
      assert.deepEqual(start.frame.data, a.data);
      assert.deepEqual(end.frame.data, b.data);
    }
  });

  it('puts a translated picture halfway for t = 0.5, where averaging ghosts', async (t) => {
    const truth = await window(4, 160, 120);
    const mci = await interpolateFrame(minterpolate, a, b, 0.5);
    const avg = await interpolateFrame(frameAverage, a, b, 0.5);
    assert.equal(mci.how, 'synthesised');
    const errMci = meanAbsDiff(mci.frame, truth, 16);
    const errAvg = meanAbsDiff(avg.frame, truth, 16);
    t.diagnostic(`mean |error| vs the true half-way shift: minterpolate ${errMci.toFixed(2)}, average ${errAvg.toFixed(2)}`);
    assert.ok(errMci < 4, `minterpolate error ${errMci}`);
    assert.ok(errMci < errAvg / 2, 'motion compensation must beat a cross-fade on pure motion');
  });

  it('follows t along the motion (t = 1/4 lies a quarter of the way)', async () => {
    const quarter = await interpolateFrame(minterpolate, a, b, 0.25);
    const errAtQuarter = meanAbsDiff(quarter.frame, await window(2, 160, 120), 16);
    const errAtHalf = meanAbsDiff(quarter.frame, await window(4, 160, 120), 16);
    assert.ok(
      errAtQuarter < errAtHalf,
      `t=0.25 frame is closer to the 2 px shift (${errAtQuarter.toFixed(2)}) than to 4 px (${errAtHalf.toFixed(2)})`,
    );
    assert.deepEqual(asFraction(0.25), [1, 4]);
    assert.deepEqual(asFraction(1 / 3), [1, 3]);
  });

  it('holds the nearer frame across a scene cut instead of blending two shots', async () => {
    const other = {
      width: 160,
      height: 120,
      data: new Uint8Array(
        await sharp(fixture).extract({ left: 200, top: 100, width: 160, height: 120 }).negate().removeAlpha().raw().toBuffer(),
      ),
    };
    assert.equal(detectSceneCut(a, other).isCut, true);
    assert.equal(detectSceneCut(a, b).isCut, false, 'motion alone is not a cut');
    const early = await interpolateFrame(minterpolate, a, other, 0.4);
    const late = await interpolateFrame(minterpolate, a, other, 0.6);
    assert.deepEqual([early.how, late.how], ['held', 'held']);
    assert.deepEqual(early.frame.data, a.data);
    assert.deepEqual(late.frame.data, other.data);
  });

  it('works on odd frame sizes', async () => {
    const oddA = await window(0, 97, 61);
    const oddB = await window(6, 97, 61);
    const mid = await interpolateFrame(minterpolate, oddA, oddB, 0.5);
    assert.deepEqual([mid.frame.width, mid.frame.height, mid.frame.data.length], [97, 61, 97 * 61 * 3]);
    assert.ok(meanAbsDiff(mid.frame, await window(3, 97, 61), 12) < 6);
  });

  it('refuses frames of different sizes and t outside [0, 1]', async () => {
    await assert.rejects(interpolateFrame(frameAverage, a, await window(0, 100, 120), 0.5), /differ in size/);
    await assert.rejects(interpolateFrame(frameAverage, a, b, 1.5), /t must lie in \[0, 1\]/);
  });
});
