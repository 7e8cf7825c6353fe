import type { RgbFrame } from './frame.ts';

/** Why two frames were (or were not) taken for a cut. */
export interface SceneCut {
  readonly isCut: boolean;
  /** Mean absolute luma difference, 0–1 (motion raises it too). */
  readonly meanDifference: number;
  /** Overlap of the two luma histograms, 0–1 (motion barely changes it; a new shot does). */
  readonly histogramOverlap: number;
}

const BINS = 32;

function lumaStats(f: RgbFrame): { luma: Float32Array; histogram: Float64Array } {
  const n = f.width * f.height;
  const luma = new Float32Array(n);
  const histogram = new Float64Array(BINS);
  for (let i = 0; i < n; i++) {
    const y = 0.299 * f.data[i * 3]! + 0.587 * f.data[i * 3 + 1]! + 0.114 * f.data[i * 3 + 2]!;
    luma[i] = y;
    histogram[Math.min(BINS - 1, Math.floor((y / 256) * BINS))]! += 1 / n;
  }
  return { luma, histogram };
}

/**
 * A cut changes what is in the picture, so both the pixels and the distribution of
 * brightness change; fast motion changes pixels but keeps the distribution. Requiring a
 * histogram change keeps pans and quick gestures from being taken for cuts.
 */
export function detectSceneCut(a: RgbFrame, b: RgbFrame): SceneCut {
  const sa = lumaStats(a);
  const sb = lumaStats(b);
  let diff = 0;
  for (let i = 0; i < sa.luma.length; i++) diff += Math.abs(sa.luma[i]! - sb.luma[i]!);
  const meanDifference = diff / sa.luma.length / 255;
  let histogramOverlap = 0;
  for (let k = 0; k < BINS; k++) histogramOverlap += Math.min(sa.histogram[k]!, sb.histogram[k]!);
  const isCut = histogramOverlap < 0.5 || (meanDifference > 0.2 && histogramOverlap < 0.75);
  return { isCut, meanDifference, histogramOverlap };
}
