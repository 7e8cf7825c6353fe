import { createFloatImage, crop, type FloatImage } from './float-image.ts';

/** Luma of BT.601 studio swing (16–235), as MATLAB's rgb2ycbcr computes Y, kept unrounded. */
export function rgbToY(image: FloatImage): FloatImage {
  if (image.channels !== 3) throw new RangeError(`rgbToY needs 3 channels, got ${image.channels}`);
  const out = createFloatImage(image.width, image.height, 1);
  for (let i = 0; i < out.data.length; i++) {
    const r = image.data[i * 3]!;
    const g = image.data[i * 3 + 1]!;
    const b = image.data[i * 3 + 2]!;
    out.data[i] = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
  }
  return out;
}

function assertSameShape(a: FloatImage, b: FloatImage): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new RangeError(`images differ in shape: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`);
  }
}

/** The SR protocol removes `shave` pixels from each border before measuring. */
export function shaveBorder(image: FloatImage, shave: number): FloatImage {
  return shave === 0 ? image : crop(image, shave, shave, image.width - 2 * shave, image.height - 2 * shave);
}

/** Peak signal-to-noise ratio in dB for 8-bit-scale images; Infinity when identical. */
export function psnr(a: FloatImage, b: FloatImage): number {
  assertSameShape(a, b);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i]! - b.data[i]!;
    sum += d * d;
  }
  const mse = sum / a.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

function gaussianKernel(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  const half = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    k[i] = Math.exp(-((i - half) ** 2) / (2 * sigma * sigma));
    sum += k[i]!;
  }
  for (let i = 0; i < size; i++) k[i]! /= sum;
  return k;
}

/** Separable 'valid' filtering of one channel plane. */
function filterValid(
  plane: Float64Array,
  width: number,
  height: number,
  k: Float64Array,
): { data: Float64Array; width: number; height: number } {
  const n = k.length;
  const outW = width - n + 1;
  const outH = height - n + 1;
  const horizontal = new Float64Array(outW * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i]! * plane[y * width + x + i]!;
      horizontal[y * outW + x] = s;
    }
  }
  const out = new Float64Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i]! * horizontal[(y + i) * outW + x]!;
      out[y * outW + x] = s;
    }
  }
  return { data: out, width: outW, height: outH };
}

/**
 * Structural similarity (Wang et al. 2004) with the reference parameters: 11x11 Gaussian
 * window, sigma 1.5, K1 0.01, K2 0.03, 'valid' region, averaged over channels.
 */
export function ssim(a: FloatImage, b: FloatImage): number {
  assertSameShape(a, b);
  const { width, height, channels } = a;
  if (width < 11 || height < 11) throw new RangeError(`SSIM needs at least 11x11 pixels, got ${width}x${height}`);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const k = gaussianKernel(11, 1.5);
  let total = 0;
  for (let c = 0; c < channels; c++) {
    const x = new Float64Array(width * height);
    const y = new Float64Array(width * height);
    for (let i = 0; i < x.length; i++) {
      x[i] = a.data[i * channels + c]!;
      y[i] = b.data[i * channels + c]!;
    }
    const product = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]!);
    const muX = filterValid(x, width, height, k).data;
    const muY = filterValid(y, width, height, k).data;
    const xx = filterValid(product(x, x), width, height, k).data;
    const yy = filterValid(product(y, y), width, height, k).data;
    const xy = filterValid(product(x, y), width, height, k).data;
    let sum = 0;
    for (let i = 0; i < muX.length; i++) {
      const mx = muX[i]!;
      const my = muY[i]!;
      const sx = xx[i]! - mx * mx;
      const sy = yy[i]! - my * my;
      const sxy = xy[i]! - mx * my;
      sum += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sx + sy + c2));
    }
    total += sum / muX.length;
  }
  return total / channels;
}
