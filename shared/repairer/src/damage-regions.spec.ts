import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRegions, labelRegions, REGION_FEATURES, type RegionFeature } from './damage-regions.ts';

const W = 40;
const H = 30;

function maskOf(points: Array<[number, number]>): Uint8Array {
  const mask = new Uint8Array(W * H);
  for (const [x, y] of points) mask[y * W + x] = 255;
  return mask;
}

/** Grey pixels, `value(x, y)` each. */
function grey(value: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.fill(value(x, y), (y * W + x) * 3, (y * W + x) * 3 + 3);
  return out;
}

/** Each region's features by name, with the detector sure everywhere. */
function featuresOf(original: Uint8Array, filled: Uint8Array, mask: Uint8Array): Array<Record<RegionFeature, number>> {
  const regions = labelRegions(mask, W, H);
  const detected = { probability: new Float32Array(W * H).fill(0.95), w: W, h: H };
  const rows = describeRegions({ original, filled, width: W, rows: H, channels: 3 }, regions, detected, 1);
  return Array.from(
    { length: regions.count },
    (_, id) =>
      Object.fromEntries(REGION_FEATURES.map((name, k) => [name, rows[id * REGION_FEATURES.length + k]!])) as Record<RegionFeature, number>,
  );
}

describe('labelRegions', () => {
  it('joins pixels that touch at a side or a corner, and only those', () => {
    const { labels, count } = labelRegions(
      maskOf([
        [1, 1],
        [2, 2],
        [3, 2],
        [10, 10],
        [10, 11],
        [30, 5],
      ]),
      W,
      H,
    );
    assert.equal(count, 3);
    assert.equal(labels[1 * W + 1], labels[2 * W + 3], 'a diagonal step stays one region');
    assert.notEqual(labels[10 * W + 10], labels[1 * W + 1]);
    assert.equal(labels[0], -1, 'pixels outside the mask have no region');
  });
});

describe('describeRegions', () => {
  it('tells a bright speck from a dark one, and a speck from a scratch, by what the fill changes', () => {
    const speck: Array<[number, number]> = [
      [5, 5],
      [6, 5],
      [5, 6],
      [6, 6],
    ];
    const dark: Array<[number, number]> = [
      [20, 5],
      [21, 5],
      [20, 6],
      [21, 6],
    ];
    const scratch: Array<[number, number]> = Array.from({ length: 20 }, (_, i) => [10 + i, 20] as [number, number]);
    const mask = maskOf([...speck, ...dark, ...scratch]);
    const filled = grey(() => 100);
    const original = grey((x, y) => (mask[y * W + x] ? (dark.some(([a, b]) => a === x && b === y) ? 20 : 220) : 100));
    const [bright, darkSpeck, line] = featuresOf(original, filled, mask);
    assert.ok(bright && darkSpeck && line);
    assert.equal(bright.logArea, Math.fround(Math.log(4)));
    assert.ok(bright.fillChangeSign > 0.99 && darkSpeck.fillChangeSign < -0.99, 'brighter than its fill, then darker');
    assert.ok(Math.abs(bright.logFillChange - Math.log1p(120)) < 1e-5);
    assert.ok(
      line.logElongation > bright.logElongation + 1,
      `a 20 px line is elongated (${line.logElongation} vs ${bright.logElongation})`,
    );
    assert.ok(line.logLongSide > bright.logLongSide);
    assert.equal(bright.meanProbability, Math.fround(0.95));
  });

  it('sees a line that divides two different sides as unlike one on even ground', () => {
    const line: Array<[number, number]> = Array.from({ length: 20 }, (_, i) => [20, 5 + i] as [number, number]);
    const mask = maskOf(line);
    const edge = grey((x) => (x < 20 ? 40 : x > 20 ? 200 : 250));
    const even = grey((x) => (x === 20 ? 250 : 120));
    const [onEdge] = featuresOf(
      edge,
      grey((x) => (x < 20 ? 40 : 200)),
      mask,
    );
    const [onEven] = featuresOf(
      even,
      grey(() => 120),
      mask,
    );
    assert.ok(onEdge && onEven);
    assert.ok(onEdge.logSideContrast > Math.log1p(100), `sides differ by ${Math.expm1(onEdge.logSideContrast)}`);
    assert.ok(onEven.logSideContrast < 0.01, 'even ground is the same on both sides');
    assert.ok(onEdge.logRingStd > onEven.logRingStd);
  });
});
