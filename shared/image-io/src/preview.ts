import sharp from 'sharp';
import { InvalidImageError } from './errors.ts';
import type { Channels } from './raster.ts';

/** The long side of a preview: a card or list row drawn at about 365 CSS px stays sharp, and 50 of them stay light. */
export const PREVIEW_MAX_SIDE = 480;

/**
 * WebP quality of previews. Measured on the test photos at 480 px: about 15–30 kB each, so a
 * library page of 50 items (original and result previews) stays well under 3 MB.
 */
const PREVIEW_QUALITY = 70;

/** Interleaved 8-bit pixels held in memory (a decoded video frame). */
export interface RawPixels {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: Channels;
}

/** A small WebP rendition of a picture, with its pixel size. */
export interface WebpPreview {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * A picture (an image file, or raw pixels such as a video frame) shrunk to fit `maxSide` on its
 * long side (never enlarged), oriented, sRGB, encoded as WebP. Unlimited input pixels: callers
 * pass files the pipeline already accepted or wrote.
 */
export async function encodeWebpPreview(source: string | RawPixels, maxSide = PREVIEW_MAX_SIDE): Promise<WebpPreview> {
  const input =
    typeof source === 'string'
      ? sharp(source, { limitInputPixels: false })
      : sharp(source.pixels, { raw: { width: source.width, height: source.height, channels: source.channels } });
  try {
    const { data, info } = await input
      .rotate()
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .webp({ quality: PREVIEW_QUALITY, effort: 4 })
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (cause) {
    throw new InvalidImageError(String((cause as Error)?.message ?? cause).split('\n')[0]!, 'CORRUPT_IMAGE', { cause });
  }
}
