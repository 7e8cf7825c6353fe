import sharp, { type Metadata } from 'sharp';
import { ANALYSIS_SIZE, analyseColour, type ColourAnalysis } from '@revive/colorizer';

/** Raster formats taken as photos. Vector and document formats (svg, pdf) decode, but are not photos to restore. */
const PHOTO_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'jp2', 'jxl']);

/** What the content is, from its header alone (libvips reads the magic bytes, never the name). */
export type ImageHeader =
  | { readonly kind: 'photo'; readonly format: string; readonly width: number; readonly height: number }
  | { readonly kind: 'other-image'; readonly format: string }
  | { readonly kind: 'not-image'; readonly detail: string };

export async function readImageHeader(path: string): Promise<ImageHeader> {
  let meta: Metadata;
  try {
    // The header decodes no pixels, so read it unlimited and apply the pixel limit ourselves.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    // libvips repeats itself over several lines; the first says what matters.
    return { kind: 'not-image', detail: firstLine(error) };
  }
  const format = meta.format ?? 'unknown';
  if (!PHOTO_FORMATS.has(format) || !meta.width || !meta.height) return { kind: 'other-image', format };
  return { kind: 'photo', format, width: meta.width, height: meta.height };
}

/** The stage's working copy: oriented, sRGB, 8-bit, PNG, alpha kept. */
export interface NormalisedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** A decode failure of content whose header looked fine: truncated or corrupt data. */
export class CorruptImageError extends Error {
  override readonly name = 'CorruptImageError';
  readonly retryable = false;
}

/**
 * Writes the working copy every later stage reads. EXIF orientation is applied (the
 * pixels are turned, the tag dropped); colour is converted through the embedded ICC profile
 * to sRGB (CMYK and wide-gamut inputs included) and the profile is not written, so no later
 * reader applies it twice; grey becomes RGB and 16-bit becomes 8-bit, so each later stage
 * sees one pixel layout; alpha stays.
 */
export async function normaliseImage(input: string, output: string, maxPixels: number): Promise<NormalisedImage> {
  try {
    // failOn 'error': a truncated or corrupt file is refused here instead of half-grey later.
    const info = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
      .rotate()
      .toColourspace('srgb')
      .png({ compressionLevel: 6 })
      .toFile(output);
    return { width: info.width, height: info.height, channels: info.channels };
  } catch (cause) {
    throw new CorruptImageError(firstLine(cause), { cause });
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.trim();
}

/** The colorizer's own monochrome test (grey, sepia, faded), so colorize `auto` agrees with this flag. */
export async function analyseImageColour(path: string): Promise<ColourAnalysis> {
  const { data, info } = await sharp(path)
    .resize(ANALYSIS_SIZE, ANALYSIS_SIZE, { fit: 'inside' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return analyseColour(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.channels);
}
