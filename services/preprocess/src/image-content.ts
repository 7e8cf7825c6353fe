import { ANALYSIS_SIZE, analyseColour, type ColourAnalysis } from '@revive/colorizer';
import { InvalidImageError, readImageFileHeader, readRgbThumbnail } from '@revive/image-io';

/** Raster formats taken as photos. Vector and document formats (svg, pdf) decode, but are not photos to restore. */
const PHOTO_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'jp2', 'jxl']);

/** What the content is, from its header alone. */
export type ImageHeader =
  | { readonly kind: 'photo'; readonly format: string; readonly width: number; readonly height: number }
  | { readonly kind: 'other-image'; readonly format: string }
  | { readonly kind: 'not-image'; readonly detail: string };

export async function readImageHeader(path: string): Promise<ImageHeader> {
  try {
    const { format, width, height } = await readImageFileHeader(path);
    if (!PHOTO_FORMATS.has(format) || !width || !height) return { kind: 'other-image', format };
    return { kind: 'photo', format, width, height };
  } catch (error) {
    if (error instanceof InvalidImageError) return { kind: 'not-image', detail: error.message };
    throw error;
  }
}

/** The colorizer's own monochrome test (grey, sepia, faded), so colorize `auto` agrees with this flag. */
export async function analyseImageColour(path: string): Promise<ColourAnalysis> {
  const thumbnail = await readRgbThumbnail(path, ANALYSIS_SIZE);
  return analyseColour(thumbnail.pixels, thumbnail.channels);
}
