// Test pictures for the repair specs: a clean colour photo, and the same photo with white
// scratches drawn across it as a worn print has them, with a way to count what is left of them.
import { resolve } from 'node:path';
import sharp from 'sharp';
import { repoRoot } from '@revive/config';

/** A picture as packed RGB24. */
export interface Rgb {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
}

const NEAR_WHITE = 230;
const isNearWhite = (p: Uint8Array, i: number) => p[i]! >= NEAR_WHITE && p[i + 1]! >= NEAR_WHITE && p[i + 2]! >= NEAR_WHITE;

/** The garden photograph (colour, undamaged), scaled to the size asked for. */
export async function cleanPhoto(width: number, height: number): Promise<Rgb> {
  const pixels = await sharp(resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg'))
    .resize(width, height, { fit: 'fill' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
  return { pixels: new Uint8Array(pixels), width, height };
}

/**
 * Where the scratches go: a long vertical one, a long diagonal one and a short one, two pixels
 * wide, leaving out pixels the photo already has near-white (they would count as scratches left).
 */
export function scratchMask(photo: Rgb): Uint8Array {
  const { width, height, pixels } = photo;
  const mask = new Uint8Array(width * height);
  const line = (x0: number, y0: number, x1: number, y1: number) => {
    const steps = Math.ceil(Math.max(Math.abs(x1 - x0) * width, Math.abs(y1 - y0) * height));
    for (let s = 0; s <= steps; s++) {
      const x = Math.round((x0 + ((x1 - x0) * s) / steps) * (width - 2));
      const y = Math.round((y0 + ((y1 - y0) * s) / steps) * (height - 1));
      for (const dx of [0, 1]) if (!isNearWhite(pixels, (y * width + x + dx) * 3)) mask[y * width + x + dx] = 1;
    }
  };
  line(0.3, 0.05, 0.32, 0.95);
  line(0.1, 0.2, 0.9, 0.75);
  line(0.6, 0.1, 0.75, 0.35);
  return mask;
}

/** The photo with white scratches where the mask says. */
export function withScratches(photo: Rgb, mask: Uint8Array): Rgb {
  const pixels = photo.pixels.slice();
  for (let i = 0; i < mask.length; i++) if (mask[i]) pixels.fill(255, i * 3, i * 3 + 3);
  return { ...photo, pixels };
}

/** How many scratch pixels are still near-white in a picture of the same size. */
export function scratchPixelsLeft(pixels: Uint8Array, mask: Uint8Array): number {
  let left = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] && isNearWhite(pixels, i * 3)) left += 1;
  return left;
}

/** How many pixels the mask marks. */
export function scratchPixels(mask: Uint8Array): number {
  return mask.reduce((n, m) => n + m, 0);
}

/** The picture as a PNG file's bytes, as preprocess leaves it. */
export function png(picture: Rgb): Promise<Buffer> {
  return sharp(picture.pixels, { raw: { width: picture.width, height: picture.height, channels: 3 } })
    .png()
    .toBuffer();
}

/** A PNG file's pixels, as packed RGB24. */
export async function pixelsOf(png: Uint8Array): Promise<Rgb> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data), width: info.width, height: info.height };
}
