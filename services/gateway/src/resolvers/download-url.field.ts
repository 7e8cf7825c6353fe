import type { DownloadImageFormat } from '@revive/image-io';
import type { GatewayContext } from '../context.ts';
import { DEFAULT_QUALITY, downloadUrlOf } from '../downloads/index.ts';
import { clientError, ErrorCodes } from '../errors.ts';
import type { DownloadFormat } from '../generated/graphql.ts';
import type { MediaView } from '../media-view.ts';

/** The SDL's format in image-io's spelling. */
export const imageFormatOf = (format: DownloadFormat | null | undefined): DownloadImageFormat =>
  (format ?? 'PNG').toLowerCase() as DownloadImageFormat;

/**
 * `Media.downloadUrl(format, quality)`: a signed link to the result re-encoded on the fly, as an
 * attachment named after the item (`grandma.jpg` → `grandma.revive.jpg`). A video's result is
 * its MP4 whatever the format; null until the item completes.
 */
export function downloadUrlField(
  media: MediaView,
  args: { format?: DownloadFormat | null; quality?: number | null },
  ctx: GatewayContext,
): string | null {
  const quality = args.quality ?? DEFAULT_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100)
    throw clientError(ErrorCodes.badUserInput, 'quality must be between 1 and 100');
  if (media.status !== 'COMPLETED' || !media.resultKey) return null;
  const format = media.kind === 'VIDEO' ? 'as-is' : imageFormatOf(args.format);
  return downloadUrlOf(ctx.urls, { id: media.id, filename: media.filename, resultKey: media.resultKey }, format, quality);
}
