import type { Duplex } from 'node:stream';
import sharp from 'sharp';

/** The formats a picture can be re-encoded to on the way out. */
export type DownloadImageFormat = 'png' | 'jpeg' | 'webp';

/** The media type each download format is served as. */
export const DOWNLOAD_CONTENT_TYPES: Readonly<Record<DownloadImageFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

/**
 * A stream that takes an image file's bytes and gives them back re-encoded as `format`, at
 * `quality` (1–100; PNG is lossless and ignores it). For results this pipeline wrote itself, so
 * no pixel limit. JPEG has no alpha: transparent pixels go onto white, as a viewer would show
 * them, not onto the black libvips would otherwise leave.
 */
export function convertImageStream(format: DownloadImageFormat, quality: number): Duplex {
  const image = sharp({ limitInputPixels: false, sequentialRead: true });
  if (format === 'jpeg') return image.flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: true });
  if (format === 'webp') return image.webp({ quality });
  return image.png({ compressionLevel: 6 });
}
