import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import type { RgbFrame } from './frame.ts';
import { interpolateFrame } from './interpolator.ts';
import { createLearnedInterpolator, DEFAULT_INTERPOLATE_MODEL } from './learned-interpolator.ts';

const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

async function window(dx: number, width: number, height: number): Promise<RgbFrame> {
  const data = await sharp(fixture)
    .extract({ left: 40 + dx, top: 40, width, height })
    .removeAlpha()
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data) };
}

function meanAbsDiff(a: RgbFrame, b: RgbFrame, margin: number): number {
  let sum = 0;
  let n = 0;
  for (let y = margin; y < a.height - margin; y++) {
    for (let i = margin * 3; i < (a.width - margin) * 3; i++) {
      sum += Math.abs(a.data[y * a.width * 3 + i]! - b.data[y * a.width * 3 + i]!);
      n++;
    }
  }
  return sum / n;
}

describe('learned frame interpolator', () => {
  let runtime: ModelRuntime;
  before(() => {
    const config = loadInferenceConfig({});
    runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
  });
  after(() => runtime.close());

  it('loads through the registry with its three-input contract', async () => {
    const model = await runtime.load(DEFAULT_INTERPOLATE_MODEL);
    assert.deepEqual(model.session.inputNames, ['frame0', 'frame1', 'timestep']);
    assert.equal(model.manifest.task, 'interpolate');
  });

  it('handles odd frame sizes by padding, and returns exactly the frame size', async () => {
    const engine = createLearnedInterpolator(runtime);
    const mid = await interpolateFrame(engine, await window(0, 97, 61), await window(6, 97, 61), 0.5);
    assert.deepEqual([mid.how, mid.frame.width, mid.frame.height, mid.frame.data.length], ['synthesised', 97, 61, 97 * 61 * 3]);
  });

  it('moves a translated picture to where it is at t, not a cross-fade', async (t) => {
    const a = await window(0, 160, 128);
    const b = await window(8, 160, 128);
    const engine = createLearnedInterpolator(runtime);
    const half = await interpolateFrame(engine, a, b, 0.5);
    const quarter = await interpolateFrame(engine, a, b, 0.25);
    const errHalf = meanAbsDiff(half.frame, await window(4, 160, 128), 16);
    const errQuarter = meanAbsDiff(quarter.frame, await window(2, 160, 128), 16);
    const quarterVsHalf = meanAbsDiff(quarter.frame, await window(4, 160, 128), 16);
    t.diagnostic(
      `mean |error|: t=0.5 ${errHalf.toFixed(2)}, t=0.25 ${errQuarter.toFixed(2)} (vs the half-way picture ${quarterVsHalf.toFixed(2)})`,
    );
    assert.ok(errHalf < 3, `t=0.5 error ${errHalf}`);
    assert.ok(errQuarter < quarterVsHalf, 'the t=0.25 frame lies a quarter of the way');
  });

  it('tiles large frames: tiled and whole-frame results agree closely', async () => {
    const a = await window(0, 320, 192);
    const b = await window(6, 320, 192);
    const whole = await createLearnedInterpolator(runtime).interpolate(a, b, 0.5);
    const tiled = await createLearnedInterpolator(runtime, { tileSize: 128 }).interpolate(a, b, 0.5);
    assert.ok(meanAbsDiff(whole, tiled, 0) < 1.5, `tiled vs whole ${meanAbsDiff(whole, tiled, 0)}`);
  });
});
