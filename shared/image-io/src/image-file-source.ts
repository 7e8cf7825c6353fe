import { randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { InvalidImageError } from './errors.ts';
import { assertChannels, type RasterSource } from './raster.ts';

// libvips' operation cache would keep decoded bands alive between reads; the source is read once, in order.
sharp.cache(false);

export interface OpenImageOptions {
  /** Decompression-bomb guard: images with more pixels are refused before decoding. */
  readonly maxPixels: number;
  /** Where the normalised intermediate is written; the OS temp dir by default. */
  readonly tmpDir?: string;
}

export interface ImageFileSource extends RasterSource {
  /** Format sharp detected from the content (not the file name). */
  readonly format: string;
  readonly hasAlpha: boolean;
}

/**
 * Opens an image file for band-wise reading. The file is first normalised (EXIF orientation
 * applied, 8-bit sRGB or grey, alpha kept) into an uncompressed striped TIFF on disk, which
 * libvips can then read a band at a time: memory stays proportional to the band, not the image.
 */
export async function openImageFile(path: string, options: OpenImageOptions): Promise<ImageFileSource> {
  const size = (await stat(path)).size;
  if (size === 0) throw new InvalidImageError(`${path}: the file is empty`, 'EMPTY_UPLOAD');

  let meta: Metadata;
  try {
    // Reading the header decodes no pixels, so read it unlimited and report the size ourselves.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new InvalidImageError(`${path}: not an image format Revive can read (${(cause as Error).message})`, 'UNSUPPORTED_MEDIA', {
      cause,
    });
  }
  const { width = 0, height = 0 } = meta;
  if (width * height > options.maxPixels) {
    throw new InvalidImageError(`${path}: ${width}x${height} exceeds the limit of ${options.maxPixels} pixels`, 'IMAGE_TOO_LARGE');
  }
  const grey = meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 3) <= 2;
  const normalised = join(options.tmpDir ?? tmpdir(), `revive-src-${randomUUID()}.tif`);
  let info: OutputInfo;
  try {
    info = await sharp(path, { limitInputPixels: options.maxPixels, sequentialRead: true, failOn: 'error' })
      .rotate()
      .toColourspace(grey ? 'b-w' : 'srgb')
      .tiff({ compression: 'none' })
      .toFile(normalised);
  } catch (cause) {
    await rm(normalised, { force: true });
    throw new InvalidImageError(
      `${path}: the ${meta.format ?? 'image'} data is corrupt or truncated (${(cause as Error).message})`,
      'CORRUPT_IMAGE',
      { cause },
    );
  }
  const channels = assertChannels(info.channels);
  return {
    width: info.width,
    height: info.height,
    channels,
    format: meta.format ?? 'unknown',
    hasAlpha: channels === 2 || channels === 4,
    readRows: async (y0, y1) => {
      const extracted = sharp(normalised, { limitInputPixels: false }).extract({ left: 0, top: y0, width: info.width, height: y1 - y0 });
      // sharp writes sRGB unless told otherwise; a grey source must come back grey.
      const { data, info: band } = await (channels <= 2 ? extracted.toColourspace('b-w') : extracted)
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      if (band.channels !== channels) throw new Error(`band has ${band.channels} channels, expected ${channels}`);
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
    close: () => rm(normalised, { force: true }),
  };
}
