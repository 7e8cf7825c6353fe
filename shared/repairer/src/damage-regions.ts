import type { ScaledProbability } from './damage-detection.ts';

/**
 * What the verifier reads about each region the detector marked, in the order of its input
 * columns. Its manifest lists the same names; a model trained on other columns is refused.
 * Logs keep long-tailed counts and contrasts on a scale a small network can weigh.
 */
export const REGION_FEATURES = [
  'logArea',
  'logLongSide',
  'logBoxOverArea',
  'meanProbability',
  'maxProbability',
  'logFillChange',
  'fillChangeSign',
  'logChromaChange',
  'logRingStd',
  'logRingGradient',
  'ringProbability',
  'logInsideStd',
  'luma',
  'filledLuma',
  'logMaskShare',
  'logRegions',
  'confidentShare',
  'logBandStd',
  'logFillChangeOverRingStd',
  'logSideContrast',
  'logElongation',
  'lumaOverRing',
  'logSideContrastOverFillChange',
] as const;
export type RegionFeature = (typeof REGION_FEATURES)[number];

/** The ring a region is compared with: known pixels within this many pixels of it. */
const RING_RADIUS = 3;
/** A detector probability above this counts as confident, for the band's share of confident damage. */
const CONFIDENT = 0.9;

/** The 8-connected regions of a mask: a label per pixel (-1 outside the mask) and how many. */
export interface Regions {
  readonly labels: Int32Array;
  readonly count: number;
}

export function labelRegions(mask: Uint8Array, width: number, rows: number): Regions {
  const labels = new Int32Array(width * rows).fill(-1);
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]! >= 0) continue;
    const id = count++;
    labels[start] = id;
    spreadFrom([start], width, rows, (k) => (mask[k] && labels[k]! < 0 ? ((labels[k] = id), true) : false));
  }
  return { labels, count };
}

/**
 * Spreads from the pixels on `stack` to their 8 neighbours, and on from each neighbour `take`
 * accepts (and marks, so it is not taken twice), until none is left.
 */
export function spreadFrom(stack: number[], width: number, rows: number, take: (k: number) => boolean): void {
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % width;
    const y = (i - x) / width;
    for (let ny = Math.max(0, y - 1); ny <= Math.min(rows - 1, y + 1); ny++) {
      for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
        const k = ny * width + nx;
        if (take(k)) stack.push(k);
      }
    }
  }
}

/** A band as the repair sees it: the pixels as read, and the same pixels with every marked region filled. */
export interface FilledBand {
  readonly original: Uint8Array;
  readonly filled: Uint8Array;
  readonly width: number;
  readonly rows: number;
  readonly channels: number;
}

/**
 * REGION_FEATURES for every region of the band's mask, one row each (count × features). Besides
 * the detector's confidence they say what filling the region changes and what surrounds it: a
 * speck or a crack is an outlier against a ring of like texture on both sides, while a window
 * edge or a bright rim against the sky divides two different sides and changes a lot when filled.
 */
export function describeRegions(band: FilledBand, regions: Regions, detected: ScaledProbability, scale: number): Float32Array {
  const { original, filled, width, rows, channels } = band;
  const { labels, count } = regions;
  const luma = (pixels: Uint8Array, i: number) =>
    channels >= 3 ? (pixels[i * channels]! + pixels[i * channels + 1]! + pixels[i * channels + 2]!) / 3 : pixels[i * channels]!;
  const probabilityAt = (i: number) => {
    const x = i % width;
    return detected.probability[Math.floor((i - x) / width / scale) * detected.w + Math.floor(x / scale)]!;
  };
  const acc = Array.from({ length: count }, () => ({
    area: 0,
    x0: width,
    x1: 0,
    y0: rows,
    y1: 0,
    sumP: 0,
    maxP: 0,
    change: 0,
    signed: 0,
    chroma: 0,
    sumL: 0,
    sumL2: 0,
    sumF: 0,
    sx: 0,
    sy: 0,
    sxx: 0,
    syy: 0,
    sxy: 0,
  }));
  let masked = 0;
  let confident = 0;
  let bandL = 0;
  let bandL2 = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = luma(original, i);
    bandL += l;
    bandL2 += l * l;
    const id = labels[i]!;
    if (id < 0) continue;
    const a = acc[id]!;
    const x = i % width;
    const y = (i - x) / width;
    const p = probabilityAt(i);
    const f = luma(filled, i);
    masked++;
    if (p > CONFIDENT) confident++;
    a.area++;
    a.x0 = Math.min(a.x0, x);
    a.x1 = Math.max(a.x1, x);
    a.y0 = Math.min(a.y0, y);
    a.y1 = Math.max(a.y1, y);
    a.sumP += p;
    a.maxP = Math.max(a.maxP, p);
    a.change += Math.abs(l - f);
    a.signed += l - f;
    if (channels >= 3)
      for (let c = 0; c < 3; c++) a.chroma += Math.abs(original[i * channels + c]! - l - (filled[i * channels + c]! - f)) / 3;
    a.sumL += l;
    a.sumL2 += l * l;
    a.sumF += f;
    a.sx += x;
    a.sy += y;
    a.sxx += x * x;
    a.syy += y * y;
    a.sxy += x * y;
  }
  const ring = ringStatistics(band, regions, luma, probabilityAt, acc);
  const n = labels.length;
  const bandStd = Math.sqrt(Math.max(0, bandL2 / n - (bandL / n) ** 2));
  const out = new Float32Array(count * REGION_FEATURES.length);
  for (let id = 0; id < count; id++) {
    const a = acc[id]!;
    const r = ring[id]!;
    const change = a.change / a.area;
    const ringStd = Math.sqrt(Math.max(0, r.sumL2 / Math.max(1, r.n) - (r.sumL / Math.max(1, r.n)) ** 2));
    const elongation = elongationOf(a);
    const sideContrast = r.nA && r.nB ? Math.abs(r.sumA / r.nA - r.sumB / r.nB) : 0;
    const values: Record<RegionFeature, number> = {
      logArea: Math.log(a.area),
      logLongSide: Math.log(Math.max(a.x1 - a.x0, a.y1 - a.y0) + 1),
      logBoxOverArea: Math.log(((a.x1 - a.x0 + 1) * (a.y1 - a.y0 + 1)) / a.area),
      meanProbability: a.sumP / a.area,
      maxProbability: a.maxP,
      logFillChange: Math.log1p(change),
      fillChangeSign: a.signed / a.area / (change + 1e-3),
      logChromaChange: Math.log1p(a.chroma / a.area),
      logRingStd: Math.log1p(ringStd),
      logRingGradient: Math.log1p(r.gradient / Math.max(1, r.n)),
      ringProbability: r.sumP / Math.max(1, r.n),
      logInsideStd: Math.log1p(Math.sqrt(Math.max(0, a.sumL2 / a.area - (a.sumL / a.area) ** 2))),
      luma: a.sumL / a.area / 255,
      filledLuma: a.sumF / a.area / 255,
      logMaskShare: Math.log(masked / n + 1e-5),
      logRegions: Math.log(count),
      confidentShare: confident / Math.max(1, masked),
      logBandStd: Math.log1p(bandStd),
      logFillChangeOverRingStd: Math.log1p(change) - Math.log1p(ringStd),
      logSideContrast: Math.log1p(sideContrast),
      logElongation: Math.log1p(elongation),
      lumaOverRing: (a.sumL / a.area - r.sumL / Math.max(1, r.n)) / 64,
      logSideContrastOverFillChange: Math.log1p(sideContrast) - Math.log1p(change),
    };
    REGION_FEATURES.forEach((name, k) => (out[id * REGION_FEATURES.length + k] = values[name]));
  }
  return out;
}

type RegionSums = { area: number; sx: number; sy: number; sxx: number; syy: number; sxy: number };

/** sqrt of the ratio of the principal second moments: 1 for a speck, large for a scratch. */
function elongationOf(a: RegionSums): number {
  const cx = a.sx / a.area;
  const cy = a.sy / a.area;
  const vxx = a.sxx / a.area - cx * cx;
  const vyy = a.syy / a.area - cy * cy;
  const vxy = a.sxy / a.area - cx * cy;
  const half = (vxx + vyy) / 2;
  const disc = Math.sqrt(Math.max(0, half * half - (vxx * vyy - vxy * vxy)));
  return Math.sqrt((half + disc) / Math.max(1e-3, half - disc));
}

/**
 * Over the known pixels within RING_RADIUS of each region: luma mean and spread, gradient,
 * detector probability, and the mean luma on either side of the region's principal axis.
 */
function ringStatistics(
  band: FilledBand,
  regions: Regions,
  luma: (pixels: Uint8Array, i: number) => number,
  probabilityAt: (i: number) => number,
  sums: readonly RegionSums[],
) {
  const { original, width, rows } = band;
  const { labels, count } = regions;
  const ring = Array.from({ length: count }, () => ({ n: 0, sumL: 0, sumL2: 0, gradient: 0, sumP: 0, sumA: 0, nA: 0, sumB: 0, nB: 0 }));
  const axes = sums.map((a) => {
    const cx = a.sx / a.area;
    const cy = a.sy / a.area;
    const angle = 0.5 * Math.atan2(2 * (a.sxy / a.area - cx * cy), a.sxx / a.area - cx * cx - (a.syy / a.area - cy * cy));
    return { cx, cy, ux: Math.cos(angle), uy: Math.sin(angle) };
  });
  const near = nearRegions(labels, width, rows);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (labels[i]! >= 0 || !near[i]) continue;
      const id = nearestLabel(labels, width, rows, x, y);
      if (id < 0) continue;
      const r = ring[id]!;
      const l = luma(original, i);
      const gx = luma(original, y * width + Math.min(width - 1, x + 1)) - luma(original, y * width + Math.max(0, x - 1));
      const gy = luma(original, Math.min(rows - 1, y + 1) * width + x) - luma(original, Math.max(0, y - 1) * width + x);
      r.n++;
      r.sumL += l;
      r.sumL2 += l * l;
      r.gradient += Math.hypot(gx, gy) / 2;
      r.sumP += probabilityAt(i);
      const { cx, cy, ux, uy } = axes[id]!;
      if ((x - cx) * uy - (y - cy) * ux > 0) {
        r.sumA += l;
        r.nA++;
      } else {
        r.sumB += l;
        r.nB++;
      }
    }
  }
  return ring;
}

/** 1 where a labelled pixel lies within RING_RADIUS (a square), by two separable passes. */
function nearRegions(labels: Int32Array, width: number, rows: number): Uint8Array {
  const across = new Uint8Array(labels.length);
  for (let y = 0; y < rows; y++) {
    let last = -Infinity;
    for (let x = 0; x < width; x++)
      if (labels[y * width + x]! >= 0) last = x;
      else if (x - last <= RING_RADIUS) across[y * width + x] = 1;
    last = Infinity;
    for (let x = width - 1; x >= 0; x--)
      if (labels[y * width + x]! >= 0) {
        across[y * width + x] = 1;
        last = x;
      } else if (last - x <= RING_RADIUS) across[y * width + x] = 1;
  }
  const near = new Uint8Array(labels.length);
  for (let x = 0; x < width; x++) {
    let last = -Infinity;
    for (let y = 0; y < rows; y++)
      if (across[y * width + x]) last = y;
      else if (y - last <= RING_RADIUS) near[y * width + x] = 1;
    last = Infinity;
    for (let y = rows - 1; y >= 0; y--)
      if (across[y * width + x]) {
        near[y * width + x] = 1;
        last = y;
      } else if (last - y <= RING_RADIUS) near[y * width + x] = 1;
  }
  return near;
}

/** The label of the closest region pixel within RING_RADIUS (Chebyshev, then scan order), or -1. */
function nearestLabel(labels: Int32Array, width: number, rows: number, x: number, y: number): number {
  for (let d = 1; d <= RING_RADIUS; d++) {
    for (let ny = Math.max(0, y - d); ny <= Math.min(rows - 1, y + d); ny++) {
      for (let nx = Math.max(0, x - d); nx <= Math.min(width - 1, x + d); nx++) {
        if (Math.max(Math.abs(nx - x), Math.abs(ny - y)) !== d) continue;
        const id = labels[ny * width + nx]!;
        if (id >= 0) return id;
      }
    }
  }
  return -1;
}
