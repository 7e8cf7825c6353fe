import type { RasterSink, RasterSource } from '@revive/image-io';
import type { LoadedModel } from '@revive/model-runtime';
import { detectDamage, type ScaledProbability } from './damage-detection.ts';
import { fillDamage, type DamageFiller } from './damage-fill.ts';
import { describeRegions, labelRegions, spreadFrom } from './damage-regions.ts';
import { regionFillWeights } from './damage-verifier.ts';

/**
 * Rows of output finished per step; memory grows with width × (band + 2 × margin), never with
 * height. 512 rather than 256: the margins are context the detector runs over again, a quarter
 * more pixels at 256 (~4 % of the stage's time on a 1600x1200 print).
 */
const BAND_ROWS = 512;
/** Rows of context above and below a band, for the detector's view and for the fill. */
const MARGIN_ROWS = 32;

/** Decides, per pixel, what counts as damage. */
export interface DamageThresholds {
  /** A pixel is damage when the detector's probability exceeds this. */
  readonly probability: number;
  /**
   * A region reaches on into neighbouring pixels above this lower bar (hysteresis): the faint
   * fringe of a crack belongs to it, a faint line elsewhere does not start one.
   */
  readonly extend: number;
  /** A pixel damaged in the previous video frame stays damage above this lower bar, so masks do not flicker. */
  readonly sustain: number;
  /** Pixels the mask grows by (at detection scale 1) to take in the soft edge of each mark. */
  readonly grow: number;
}

export const DEFAULT_THRESHOLDS: DamageThresholds = { probability: 0.5, extend: 0.2, sustain: 0.3, grow: 0 };
/**
 * Video frames do not reach on: how far a region reaches changes from frame to frame along a
 * steady line scratch (`npm run eval -- repair-video`: flicker on it 4.7 → 6.1 levels with 0.2).
 */
export const FRAME_THRESHOLDS: DamageThresholds = { ...DEFAULT_THRESHOLDS, extend: DEFAULT_THRESHOLDS.probability };

export interface RepairRasterOptions {
  readonly detector: LoadedModel;
  readonly filler: DamageFiller;
  /** Judges each marked region; without one, every region is filled. */
  readonly verifier?: LoadedModel;
  readonly thresholds?: DamageThresholds;
  /**
   * The detector learned on photos about 256–500 px across, where a crack is 1–3 px wide; a large
   * scan is looked at shrunk by this integer factor so its cracks have the width it knows.
   */
  readonly detectionScale?: number;
  /** Last frame's mask (video): where it was damage, the lower `sustain` threshold applies. */
  readonly previousMask?: Uint8Array;
  /** Receives the mask of every finished band, 255 where a fill was taken whole (the eval's `--masks`, the video's next frame). */
  readonly onMask?: (rows: Uint8Array, y0: number, count: number) => void;
  readonly onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface RasterRepairResult {
  /** Pixels filled, each counted by the share of its fill it took: a pixel half filled counts a half. */
  readonly filled: number;
  readonly width: number;
  readonly height: number;
}

/** The detection scale for an image: 1 up to ~900 px on the short side, then one more per 640 px. */
export function detectionScaleFor(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 640));
}

/**
 * Repairs a raster band by band: the detector marks damage (cracks, scratches, dust, tears),
 * the mask grows by one pixel to take in the soft edge of each mark, and the filler replaces
 * exactly the masked pixels; every other pixel is written as it was read.
 */
export async function repairRaster(source: RasterSource, sink: RasterSink, options: RepairRasterOptions): Promise<RasterRepairResult> {
  const { width, height, channels } = source;
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const scale = options.detectionScale ?? detectionScaleFor(width, height);
  const bands = Math.ceil(height / BAND_ROWS);
  let filled = 0;
  try {
    for (let band = 0; band < bands; band++) {
      const y0 = band * BAND_ROWS;
      const y1 = Math.min(height, y0 + BAND_ROWS);
      const top = Math.max(0, y0 - MARGIN_ROWS);
      const bottom = Math.min(height, y1 + MARGIN_ROWS);
      const rows = bottom - top;
      const pixels = await source.readRows(top, bottom);
      const { repaired, mask } = await repairBand(pixels, width, rows, channels, { ...options, thresholds, scale, top });
      const core = mask.subarray((y0 - top) * width, (y1 - top) * width);
      for (let i = 0; i < core.length; i++) filled += core[i]! / 255;
      options.onMask?.(core, y0, y1 - y0);
      await sink.writeRows(repaired.subarray((y0 - top) * width * channels, (y1 - top) * width * channels), y1 - y0);
      await options.onProgress?.(band + 1, bands);
    }
    await sink.end();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return { filled, width, height };
}

export interface BandRepairOptions {
  readonly detector: LoadedModel;
  readonly filler: DamageFiller;
  readonly verifier?: LoadedModel;
  readonly thresholds: DamageThresholds;
  readonly scale: number;
  readonly previousMask?: Uint8Array;
  /** The band's first row in the picture, where `previousMask` is read. */
  readonly top: number;
}

/** One band with every region the detector marked filled: what the verifier is asked about. */
export interface MarkedBand {
  readonly detected: ScaledProbability;
  /** What the detector marked (255). */
  readonly mask: Uint8Array;
  /** The band with every marked pixel filled; every other pixel as it was read. */
  readonly filled: Uint8Array;
}

/**
 * Marks one band and fills the whole mask. The stage and the verifier's training set both go
 * through here (and through describeRegions), so the verifier learns from what it will judge.
 */
export async function markAndFillBand(
  pixels: Uint8Array,
  width: number,
  rows: number,
  channels: number,
  options: Omit<BandRepairOptions, 'verifier'>,
): Promise<MarkedBand> {
  const { thresholds, scale } = options;
  const detected = await detectDamage(options.detector, pixels, width, rows, channels, scale);
  const marked = threshold(detected, width, rows, scale, thresholds, options.previousMask, options.top);
  const mask = thresholds.grow > 0 ? dilate(marked, width, rows, thresholds.grow * scale) : marked;
  // The caller's buffer may be a view of its own image: fill a copy.
  const filled = pixels.slice();
  await fillDamage(options.filler, filled, width, rows, channels, mask);
  return { detected, mask, filled };
}

/**
 * Repairs one band: marked and filled whole, then, with a verifier, each region described and
 * given as much of its fill as the verifier weighs it, the rest of each pixel as it was read;
 * the regions it turns down are put back whole. Returns the band as written and, per pixel, how
 * much of its fill it took (255 whole, 0 none).
 */
export async function repairBand(
  pixels: Uint8Array,
  width: number,
  rows: number,
  channels: number,
  options: BandRepairOptions,
): Promise<{ readonly repaired: Uint8Array; readonly mask: Uint8Array }> {
  const { detected, mask, filled } = await markAndFillBand(pixels, width, rows, channels, options);
  if (!options.verifier) return { repaired: filled, mask };
  const regions = labelRegions(mask, width, rows);
  const features = describeRegions({ original: pixels, filled, width, rows, channels }, regions, detected, options.scale);
  const weights = await regionFillWeights(options.verifier, features, regions.count);
  for (let i = 0; i < mask.length; i++) {
    const id = regions.labels[i]!;
    if (id < 0) continue;
    const weight = weights[id]!;
    if (weight === 1) continue;
    mask[i] = Math.round(weight * 255);
    for (let c = 0; c < channels; c++) {
      const k = i * channels + c;
      filled[k] = Math.round(pixels[k]! + weight * (filled[k]! - pixels[k]!));
    }
  }
  return { repaired: filled, mask };
}

/**
 * The band's mask at full size: each detector cell decided once, at its own scale, and spread
 * over the `scale` × `scale` pixels it covers. A cell is damage above `probability`, or above
 * the lower `sustain` bar where the previous frame's mask had its first pixel; from those,
 * regions reach on into 8-connected neighbour cells above `extend`.
 */
function threshold(
  detected: ScaledProbability,
  width: number,
  rows: number,
  scale: number,
  thresholds: DamageThresholds,
  previous: Uint8Array | undefined,
  top: number,
): Uint8Array {
  const { probability, w, h } = detected;
  const cells = new Uint8Array(w * h);
  const reach: number[] = [];
  for (let sy = 0; sy < h; sy++) {
    for (let sx = 0; sx < w; sx++) {
      const bar = previous && previous[(top + sy * scale) * width + sx * scale] ? thresholds.sustain : thresholds.probability;
      if (probability[sy * w + sx]! <= bar) continue;
      cells[sy * w + sx] = 1;
      reach.push(sy * w + sx);
    }
  }
  if (thresholds.extend < thresholds.probability)
    spreadFrom(reach, w, h, (k) => (!cells[k] && probability[k]! > thresholds.extend ? ((cells[k] = 1), true) : false));
  const mask = new Uint8Array(width * rows);
  for (let sy = 0; sy < h; sy++) {
    const y0 = sy * scale;
    const y1 = Math.min(rows, y0 + scale);
    for (let sx = 0; sx < w; sx++) {
      if (!cells[sy * w + sx]) continue;
      const x0 = sx * scale;
      const x1 = Math.min(width, x0 + scale);
      for (let y = y0; y < y1; y++) mask.fill(255, y * width + x0, y * width + x1);
    }
  }
  return mask;
}

/** Grows the mask by `radius` pixels (a square): the faint fringe of a crack is damage too. */
function dilate(mask: Uint8Array, width: number, rows: number, radius: number): Uint8Array {
  const across = new Uint8Array(mask.length);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (let dx = -radius; dx <= radius; dx++) {
        const nx = x + dx;
        if (nx >= 0 && nx < width) across[y * width + nx] = 255;
      }
    }
  }
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < width; x++) {
      if (!across[y * width + x]) continue;
      for (let dy = -radius; dy <= radius; dy++) {
        const ny = y + dy;
        if (ny >= 0 && ny < rows) out[ny * width + x] = 255;
      }
    }
  }
  return out;
}
