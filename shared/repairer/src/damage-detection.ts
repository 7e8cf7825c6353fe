import { roundUp, runFloat32, type LoadedModel } from '@revive/model-runtime';

/** Model tiles across a band: columns per tile and columns of context on each side. */
const TILE_COLUMNS = 512;
const TILE_OVERLAP = 32;

/** One tile of columns across a band: it owns [core, coreEnd) and reads [x0, x0 + width) as context, padded to paddedWidth. */
export interface ColumnTile {
  readonly core: number;
  readonly coreEnd: number;
  readonly x0: number;
  readonly width: number;
  readonly paddedWidth: number;
}

/** The tiles across `total` columns for a model whose sides must be a multiple of `multiple`. */
export function* columnTiles(total: number, multiple: number): Generator<ColumnTile> {
  const step = TILE_COLUMNS - 2 * TILE_OVERLAP;
  for (let core = 0; core < total; core += step) {
    const x0 = Math.max(0, core - TILE_OVERLAP);
    const width = Math.min(total, core + step + TILE_OVERLAP) - x0;
    yield { core, coreEnd: Math.min(total, core + step), x0, width, paddedWidth: roundUp(width, multiple) };
  }
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
