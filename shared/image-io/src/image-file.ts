import sharp from 'sharp';
import { InvalidImageError } from './errors.ts';
import { assertChannels, type Channels } from './raster.ts';

/** What a file's header says, read without decoding pixels (libvips reads the magic bytes, never the name). */
export interface ImageFileHeader {
  readonly format: string;
  /** 0 where the format carries no pixel size (vector and document formats). */
  readonly width: number;
  readonly height: number;
}

/** Reads an image file's header; content that is no image format we know is refused as `UNSUPPORTED_MEDIA`. */
export async function readImageFileHeader(path: string): Promise<ImageFileHeader> {
  try {
    // The header decodes no pixels, so read it unlimited; callers apply their own pixel limit.
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    return { format: meta.format ?? 'unknown', width: meta.width ?? 0, height: meta.height ?? 0 };
  } catch (cause) {
    throw new InvalidImageError(firstLine(cause), 'UNSUPPORTED_MEDIA', { cause });
  }
}

/**
 * The header of an image from its first bytes only (an upload still arriving), or undefined when
 * they do not hold one libvips can read: a header that lies past them (a TIFF's directory at the
 * end of the file), a truncated or unknown format. Decodes no pixels.
 */
export async function readImageHeaderBytes(head: Uint8Array): Promise<ImageFileHeader | undefined> {
  try {
    // failOn 'none': the scan data is cut short by design; libvips would otherwise warn on stderr.
    const meta = await sharp(head, { limitInputPixels: false, failOn: 'none' }).metadata();
    return meta.width && meta.height ? { format: meta.format ?? 'unknown', width: meta.width, height: meta.height } : undefined;
  } catch {
    return undefined;
  }
}

/** The size of an image written by {@link writeWorkingPng}. */
export interface WorkingImage {
  readonly width: number;
  readonly height: number;
  readonly channels: Channels;
}

/**
 * Writes the working copy every stage after preprocess reads. EXIF orientation is applied
 * (pixels turned, tag dropped); colour is converted through the embedded ICC profile to sRGB
 * (CMYK and wide-gamut inputs included) and the profile is not written, so no later reader
 * applies it twice; grey becomes RGB and 16-bit becomes 8-bit, so each later stage sees one
 * pixel layout; alpha stays.
 */
export async function writeWorkingPng(input: string, output: string, maxPixels: number): Promise<WorkingImage> {
  try {
    // failOn 'error': a truncated or corrupt file is refused here instead of half-grey later.
    const info = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
      .rotate()
      .toColourspace('srgb')
      .png({ compressionLevel: 6 })
      .toFile(output);
    return { width: info.width, height: info.height, channels: assertChannels(info.channels) };
  } catch (cause) {
    throw new InvalidImageError(firstLine(cause), 'CORRUPT_IMAGE', { cause });
  }
}

/** Re-encodes any readable image file as PNG, unlimited: it is for results this pipeline wrote itself. */
export async function convertToPng(input: string, output: string): Promise<void> {
  try {
    await sharp(input, { limitInputPixels: false }).png().toFile(output);
  } catch (cause) {
    throw new InvalidImageError(firstLine(cause), 'CORRUPT_IMAGE', { cause });
  }
}

/** Interleaved 8-bit RGB pixels of a small image. */
export interface RgbThumbnail {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
}

/** The image shrunk to fit `size`×`size`, oriented, sRGB, alpha dropped: what colour analysis looks at. */
export async function readRgbThumbnail(path: string, size: number): Promise<RgbThumbnail> {
  return readRgb(path, false, size);
}

/** A whole small image as interleaved RGB (oriented, sRGB, alpha dropped): corpus photos, eval inputs. */
export async function readRgbPixels(path: string, maxPixels: number): Promise<RgbThumbnail> {
  return readRgb(path, maxPixels);
}

/** Decodes to oriented sRGB without alpha, shrunk to fit `fit`×`fit` when given. */
async function readRgb(path: string, limitInputPixels: number | false, fit?: number): Promise<RgbThumbnail> {
  const oriented = sharp(path, { limitInputPixels }).rotate();
  const { data, info } = await (fit === undefined ? oriented : oriented.resize(fit, fit, { fit: 'inside' }))
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path} decoded to ${info.channels} channels, expected 3`);
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
}

/** Writes interleaved 8-bit pixels as a PNG file. */
export async function writePngFile(path: string, pixels: Uint8Array, width: number, height: number, channels: Channels): Promise<void> {
  await sharp(pixels, { raw: { width, height, channels } }).png().toFile(path);
}

/** Encodes the top-left `width`×`height` of interleaved 8-bit pixels as a JPEG (posters, previews). */
export async function encodeJpeg(
  pixels: Uint8Array,
  size: { readonly width: number; readonly height: number; readonly channels: Channels },
  crop: { readonly width: number; readonly height: number },
  quality = 85,
): Promise<Uint8Array> {
  return sharp(pixels, { raw: { width: size.width, height: size.height, channels: size.channels } })
    .extract({ left: 0, top: 0, width: crop.width, height: crop.height })
    .jpeg({ quality, mozjpeg: true })
    .toBuffer();
}

/** libvips repeats itself over several lines; the first says what matters. */
function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .trim();
}
