import type { RasterSink, RasterSource } from '@revive/image-io';
import { roundUp, runFloat32, type LoadedModel } from '@revive/model-runtime';
import { fillMasked } from './telea-fill.ts';

/**
 * Rows of output finished per step; memory grows with width × (band + 2 × margin), never with
 * height. 512 rather than 256: the margins are context the detector runs over again, a quarter
 * more pixels at 256 (~4 % of the stage's time on a 1600x1200 print).
 */
const BAND_ROWS = 512;
/** Rows of context above and below a band, for the detector's view and for the fill. */
const MARGIN_ROWS = 32;
/** Model tiles across a band: columns per tile and columns of context on each side. */
const TILE_COLUMNS = 512;
const TILE_OVERLAP = 32;

/** One tile of columns across a band: it owns [core, coreEnd) and reads [x0, x0 + width) as context, padded to paddedWidth. */
interface ColumnTile {
  readonly core: number;
  readonly coreEnd: number;
  readonly x0: number;
  readonly width: number;
  readonly paddedWidth: number;
}

/** The tiles across `total` columns for a model whose sides must be a multiple of `multiple`. */
function* columnTiles(total: number, multiple: number): Generator<ColumnTile> {
  const step = TILE_COLUMNS - 2 * TILE_OVERLAP;
  for (let core = 0; core < total; core += step) {
    const x0 = Math.max(0, core - TILE_OVERLAP);
    const width = Math.min(total, core + step + TILE_OVERLAP) - x0;
    yield { core, coreEnd: Math.min(total, core + step), x0, width, paddedWidth: roundUp(width, multiple) };
  }
}

/** Decides, per pixel, what counts as damage. */
export interface DamageThresholds {
  /** A pixel is damage when the detector's probability exceeds this. */
  readonly probability: number;
  /** A pixel damaged in the previous video frame stays damage above this lower bar, so masks do not flicker. */
  readonly sustain: number;
  /** Pixels the mask grows by (at detection scale 1) to take in the soft edge of each mark. */
  readonly grow: number;
}

export const DEFAULT_THRESHOLDS: DamageThresholds = { probability: 0.5, sustain: 0.3, grow: 0 };

/** How the masked pixels are filled: Telea's fast marching fill, or the learned inpainter. */
export type DamageFiller = { readonly kind: 'telea'; readonly radius: number } | { readonly kind: 'learned'; readonly model: LoadedModel };

export interface RepairRasterOptions {
  readonly detector: LoadedModel;
  readonly filler: DamageFiller;
  readonly thresholds?: DamageThresholds;
  /**
   * The detector learned on photos about 256–500 px across, where a crack is 1–3 px wide; a large
   * scan is looked at shrunk by this integer factor so its cracks have the width it knows.
   */
  readonly detectionScale?: number;
  /** Last frame's mask (video): where it was damage, the lower `sustain` threshold applies. */
  readonly previousMask?: Uint8Array;
  /** Receives the mask of every finished band (the eval's `--masks`, the video's next frame). */
  readonly onMask?: (rows: Uint8Array, y0: number, count: number) => void;
  readonly onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface RasterRepairResult {
  /** Pixels filled. */
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
      // The caller's buffer may be a view of its own image: work on a copy.
      const work = pixels.slice();
      const detected = await detectDamage(options.detector, work, width, rows, channels, scale);
      const mask = threshold(detected, width, rows, scale, thresholds, options.previousMask, top);
      const grown = thresholds.grow > 0 ? dilate(mask, width, rows, thresholds.grow * scale) : mask;
      await fill(options.filler, work, width, rows, channels, grown);
      const core = grown.subarray((y0 - top) * width, (y1 - top) * width);
      for (let i = 0; i < core.length; i++) if (core[i]) filled++;
      options.onMask?.(core, y0, y1 - y0);
      await sink.writeRows(work.subarray((y0 - top) * width * channels, (y1 - top) * width * channels), y1 - y0);
      await options.onProgress?.(band + 1, bands);
    }
    await sink.end();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return { filled, width, height };
}

/** The detector's damage probability over a band shrunk by `scale`: `w` × `h` values. */
export interface ScaledProbability {
  readonly probability: Float32Array;
  readonly w: number;
  readonly h: number;
}

/**
 * Damage probability per pixel of a band (or a whole small picture), the detector run over tiles
 * across it shrunk by `scale` (at scale 1, one value per pixel). The repair thresholds it band by
 * band; the training-set miner reads it over whole crops.
 */
export async function detectDamage(
  detector: LoadedModel,
  pixels: Uint8Array,
  width: number,
  rows: number,
  channels: number,
  scale: number,
): Promise<ScaledProbability> {
  const w = Math.ceil(width / scale);
  const h = Math.ceil(rows / scale);
  const small = shrinkToRgb(pixels, width, rows, channels, scale, w, h);
  const probability = new Float32Array(w * h);
  const multiple = detector.manifest.tiling.sizeMultiple;
  const padH = roundUp(h, multiple);
  for (const { core, coreEnd, x0, width: tw, paddedWidth: padW } of columnTiles(w, multiple)) {
    const plane = padH * padW;
    const input = new Float32Array(3 * plane);
    for (let y = 0; y < padH; y++) {
      // Edge rows and columns repeat into the padding, as the detector saw no black borders in training.
      const row = (Math.min(y, h - 1) * w + x0) * 3;
      for (let x = 0; x < padW; x++) {
        const s = row + (x < tw ? x : tw - 1) * 3;
        const o = y * padW + x;
        input[o] = small[s]! / 255;
        input[plane + o] = small[s + 1]! / 255;
        input[2 * plane + o] = small[s + 2]! / 255;
      }
    }
    const outputs = await runFloat32(detector, { image: { data: input, dims: [1, 3, padH, padW] } });
    const damage = outputs.damage ?? Object.values(outputs)[0]!;
    // Each tile keeps only its core columns: the overlap is context, not output.
    for (let y = 0; y < h; y++) probability.set(damage.data.subarray(y * padW + core - x0, y * padW + coreEnd - x0), y * w + core);
  }
  return { probability, w, h };
}

/** RGB of a band shrunk by an integer factor (box average); grey and alpha channels folded to RGB. */
function shrinkToRgb(pixels: Uint8Array, width: number, rows: number, channels: number, scale: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const colour = channels >= 3;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let dy = 0; dy < scale && y * scale + dy < rows; dy++) {
        for (let dx = 0; dx < scale && x * scale + dx < width; dx++) {
          const p = ((y * scale + dy) * width + x * scale + dx) * channels;
          r += pixels[p]!;
          g += colour ? pixels[p + 1]! : pixels[p]!;
          b += colour ? pixels[p + 2]! : pixels[p]!;
          n++;
        }
      }
      out[(y * w + x) * 3] = Math.round(r / n);
      out[(y * w + x) * 3 + 1] = Math.round(g / n);
      out[(y * w + x) * 3 + 2] = Math.round(b / n);
    }
  }
  return out;
}

/**
 * The band's mask at full size: each detector cell decided once, at its own scale, and spread
 * over the `scale` × `scale` pixels it covers. A cell stays damage at the lower `sustain` bar
 * where the previous frame's mask had its first pixel.
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
  const mask = new Uint8Array(width * rows);
  for (let sy = 0; sy < h; sy++) {
    const y0 = sy * scale;
    const y1 = Math.min(rows, y0 + scale);
    for (let sx = 0; sx < w; sx++) {
      const x0 = sx * scale;
      const bar = previous && previous[(top + y0) * width + x0] ? thresholds.sustain : thresholds.probability;
      if (probability[sy * w + sx]! <= bar) continue;
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

async function fill(
  filler: DamageFiller,
  pixels: Uint8Array,
  width: number,
  rows: number,
  channels: number,
  mask: Uint8Array,
): Promise<void> {
  if (!mask.some((v) => v)) return;
  if (filler.kind === 'telea') {
    fillMasked(pixels, width, rows, channels as 1 | 2 | 3 | 4, mask, { radius: filler.radius });
    return;
  }
  await fillLearned(filler.model, pixels, width, rows, channels, mask);
}

/** The learned inpainter over tiles across the band; only masked pixels take its output. */
async function fillLearned(
  model: LoadedModel,
  pixels: Uint8Array,
  width: number,
  rows: number,
  channels: number,
  mask: Uint8Array,
): Promise<void> {
  const multiple = model.manifest.tiling.sizeMultiple;
  const padH = roundUp(rows, multiple);
  // Tiles read their context columns, which the tile before may already have filled: read the band as it came.
  const source = pixels.slice();
  const colour = channels >= 3;
  for (const { core, coreEnd, x0, width: tw, paddedWidth: padW } of columnTiles(width, multiple)) {
    const plane = padH * padW;
    const image = new Float32Array(3 * plane);
    const holes = new Float32Array(plane);
    for (let y = 0; y < padH; y++) {
      const sy = Math.min(y, rows - 1);
      for (let x = 0; x < padW; x++) {
        const sx = x0 + Math.min(x, tw - 1);
        const p = (sy * width + sx) * channels;
        for (let c = 0; c < 3; c++) image[c * plane + y * padW + x] = source[colour ? p + c : p]! / 255;
        holes[y * padW + x] = mask[sy * width + sx] ? 1 : 0;
      }
    }
    const outputs = await runFloat32(model, {
      image: { data: image, dims: [1, 3, padH, padW] },
      mask: { data: holes, dims: [1, 1, padH, padW] },
    });
    const filled = outputs.filled ?? Object.values(outputs)[0]!;
    for (let y = 0; y < rows; y++) {
      for (let x = core; x < coreEnd; x++) {
        if (!mask[y * width + x]) continue;
        const p = (y * width + x) * channels;
        const q = y * padW + (x - x0);
        if (colour) for (let c = 0; c < 3; c++) pixels[p + c] = clampByte(filled.data[c * plane + q]! * 255);
        else pixels[p] = clampByte(((filled.data[q]! + filled.data[plane + q]! + filled.data[2 * plane + q]!) / 3) * 255);
      }
    }
  }
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
