import { chroma, luma } from './ycbcr.ts';

/** How much colour an image holds, measured on a small RGB thumbnail. */
export interface ColourAnalysis {
  /** Mean chroma: a tint (sepia, cyanotype, yellowed paper) shows here. */
  readonly meanCb: number;
  readonly meanCr: number;
  /** Spread of chroma not explained by luma: near zero for any monochrome print, however toned. */
  readonly chromaSpread: number;
  /** Hasler–Süsstrunk colourfulness on the 0–255 scale. */
  readonly colourfulness: number;
  readonly isMonochrome: boolean;
}

/**
 * Chroma spread not explained by luma, on a 64 px thumbnail, below which a picture counts as
 * monochrome. Calibrated on ../shared/data: 12 of the 13 bw prints fall below it (the
 * strongly stained 1880s Brooklyn Bridge print, 0.015, does not), and 95 % of the colour
 * corpus lies above (the rest are very muted photos: fog, dusk, stone).
 */
export const MONOCHROME_SPREAD = 0.013;

/** Side of the thumbnail the analysis runs on: small enough to average out grain and JPEG noise. */
export const ANALYSIS_SIZE = 64;

export function hasslerColourfulness(rgb: Uint8Array, channels: number): number {
  const n = rgb.length / channels;
  let sRg = 0;
  let sYb = 0;
  let sRg2 = 0;
  let sYb2 = 0;
  for (let i = 0; i < n; i++) {
    const r = rgb[i * channels]!;
    const g = rgb[i * channels + 1]!;
    const b = rgb[i * channels + 2]!;
    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    sRg += rg;
    sYb += yb;
    sRg2 += rg * rg;
    sYb2 += yb * yb;
  }
  const mRg = sRg / n;
  const mYb = sYb / n;
  const varRg = Math.max(0, sRg2 / n - mRg * mRg);
  const varYb = Math.max(0, sYb2 / n - mYb * mYb);
  return Math.sqrt(varRg + varYb) + 0.3 * Math.sqrt(mRg * mRg + mYb * mYb);
}

const LUMA_BINS = 16;

/**
 * Analyses interleaved 8-bit pixels (1–4 channels; grey counts as monochrome). Toning is not
 * one flat tint: sepia is warmer in the mid-tones than in the highlights. So the spread that
 * decides is what is left after explaining chroma by luma alone (mean chroma per luma bin):
 * near zero for any monochrome print, large for colour, where colour varies at equal brightness.
 */
export function analyseColour(pixels: Uint8Array, channels: number): ColourAnalysis {
  if (channels < 3) return { meanCb: 0, meanCr: 0, chromaSpread: 0, colourfulness: 0, isMonochrome: true };
  const n = pixels.length / channels;
  const count = new Float64Array(LUMA_BINS);
  const sCb = new Float64Array(LUMA_BINS);
  const sCr = new Float64Array(LUMA_BINS);
  const sSq = new Float64Array(LUMA_BINS);
  for (let i = 0; i < n; i++) {
    const r = pixels[i * channels]!;
    const g = pixels[i * channels + 1]!;
    const b = pixels[i * channels + 2]!;
    const [cb, cr] = chroma(r, g, b);
    const bin = Math.min(LUMA_BINS - 1, Math.floor(luma(r, g, b) * LUMA_BINS));
    count[bin]!++;
    sCb[bin]! += cb;
    sCr[bin]! += cr;
    sSq[bin]! += cb * cb + cr * cr;
  }
  let residual = 0;
  let totalCb = 0;
  let totalCr = 0;
  for (let k = 0; k < LUMA_BINS; k++) {
    if (count[k] === 0) continue;
    const mCb = sCb[k]! / count[k]!;
    const mCr = sCr[k]! / count[k]!;
    residual += sSq[k]! - count[k]! * (mCb * mCb + mCr * mCr);
    totalCb += sCb[k]!;
    totalCr += sCr[k]!;
  }
  const chromaSpread = Math.sqrt(Math.max(0, residual / n));
  const colourfulness = hasslerColourfulness(pixels, channels);
  return { meanCb: totalCb / n, meanCr: totalCr / n, chromaSpread, colourfulness, isMonochrome: chromaSpread < MONOCHROME_SPREAD };
}

/**
 * Mean chroma magnitude past which a monochrome print counts as toned rather than grey. A sepia
 * print sits around 0.05–0.08; grain and JPEG keep a grey one under 0.01.
 */
export const TONED_TINT = 0.02;

/**
 * What colorizing did to a picture, for people. A toned print comes back without its tone (colour
 * photographs have none), which looks greyer next to the brown original: the summary says so.
 */
export function describeColorization(analysis: ColourAnalysis): string {
  if (Math.hypot(analysis.meanCb, analysis.meanCr) < TONED_TINT) return 'added colour to a black-and-white picture';
  // Sepia is warm: red above blue. Anything else (cyanotype, a stain's yellow) is a tint.
  const tone = analysis.meanCr > 0 && analysis.meanCb < 0 ? 'sepia' : 'tinted';
  return `added colour in place of the print's ${tone} tone, which colour photos do not have`;
}
