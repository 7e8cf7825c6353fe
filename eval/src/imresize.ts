import { createFloatImage, type FloatImage } from './float-image.ts';

/** MATLAB's bicubic kernel (Keys, a = -0.5). */
function cubic(x: number): number {
  const ax = Math.abs(x);
  const ax2 = ax * ax;
  const ax3 = ax2 * ax;
  if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
  if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
  return 0;
}

interface Contributions {
  /** Taps per output sample. */
  readonly taps: number;
  readonly weights: Float64Array;
  readonly indices: Int32Array;
}

/**
 * Filter taps along one dimension exactly as MATLAB's imresize computes them: the kernel is
 * stretched when shrinking (antialiasing), weights are normalised per output sample and
 * out-of-range taps mirror back into the image (symmetric padding).
 */
function contributions(inLength: number, outLength: number, scale: number): Contributions {
  const shrinking = scale < 1;
  const kernelWidth = shrinking ? 4 / scale : 4;
  const kernel = shrinking ? (x: number) => scale * cubic(scale * x) : cubic;
  const taps = Math.ceil(kernelWidth) + 2;
  const weights = new Float64Array(outLength * taps);
  const indices = new Int32Array(outLength * taps);
  for (let o = 0; o < outLength; o++) {
    const u = (o + 1) / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kernelWidth / 2);
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const w = kernel(u - (left + t));
      weights[o * taps + t] = w;
      sum += w;
      indices[o * taps + t] = mirror(left + t, inLength);
    }
    for (let t = 0; t < taps; t++) weights[o * taps + t]! /= sum;
  }
  return { taps, weights, indices };
}

/** MATLAB 1-based index → 0-based index inside [0, n), reflecting at the borders (1..n, n..1). */
function mirror(index1: number, n: number): number {
  const period = 2 * n;
  const m = (((index1 - 1) % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

function resizeRows(image: FloatImage, outHeight: number, scale: number): FloatImage {
  const { width, channels } = image;
  const { taps, weights, indices } = contributions(image.height, outHeight, scale);
  const out = createFloatImage(width, outHeight, channels);
  const rowLength = width * channels;
  for (let o = 0; o < outHeight; o++) {
    const dst = o * rowLength;
    for (let t = 0; t < taps; t++) {
      const w = weights[o * taps + t]!;
      if (w === 0) continue;
      const src = indices[o * taps + t]! * rowLength;
      for (let i = 0; i < rowLength; i++) out.data[dst + i]! += w * image.data[src + i]!;
    }
  }
  return out;
}

function resizeColumns(image: FloatImage, outWidth: number, scale: number): FloatImage {
  const { height, channels } = image;
  const { taps, weights, indices } = contributions(image.width, outWidth, scale);
  const out = createFloatImage(outWidth, height, channels);
  for (let y = 0; y < height; y++) {
    for (let o = 0; o < outWidth; o++) {
      const dst = (y * outWidth + o) * channels;
      for (let t = 0; t < taps; t++) {
        const w = weights[o * taps + t]!;
        if (w === 0) continue;
        const src = (y * image.width + indices[o * taps + t]!) * channels;
        for (let c = 0; c < channels; c++) out.data[dst + c]! += w * image.data[src + c]!;
      }
    }
  }
  return out;
}

/**
 * `imresize(image, scale, 'bicubic')` as in MATLAB, which the SR literature uses to make its
 * low-resolution inputs and its bicubic baseline. Works in floats; quantize the result to get
 * MATLAB's uint8 output.
 */
export function imresizeBicubic(image: FloatImage, scale: number): FloatImage {
  const outHeight = Math.ceil(image.height * scale);
  const outWidth = Math.ceil(image.width * scale);
  // MATLAB resizes the dimension with the smaller scale first; one uniform scale means rows first.
  return resizeColumns(resizeRows(image, outHeight, scale), outWidth, scale);
}
