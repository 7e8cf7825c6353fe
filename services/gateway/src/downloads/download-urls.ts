import type { DownloadImageFormat } from '@revive/image-io';
import type { ObjectUrls } from '../object-urls.ts';
import type { MediaRecord } from '../persistence/index.ts';
import { downloadName, originalName } from './download-names.ts';

/** Where the gateway serves a result converted on the fly. */
export const DOWNLOAD_PATH = '/downloads/';
/** Where it serves several results as one ZIP, written as it is sent. */
export const ARCHIVE_PATH = '/archives/revive.zip';

/** A picture in one of the download formats, or a video's MP4 as it is. */
export type DownloadFormat = DownloadImageFormat | 'as-is';

/** JPEG and WebP quality when none is asked for (the SDL's default). */
export const DEFAULT_QUALITY = 90;

/** The extension a result downloads with: the format's, or (as-is) the result's own. */
export function extensionOf(format: DownloadFormat, resultKey: string): string {
  if (format === 'as-is') return resultKey.slice(resultKey.lastIndexOf('.') + 1);
  return format === 'jpeg' ? 'jpg' : format;
}

/** A signed URL of the item's result as `format`, offered as an attachment named after the item. */
export function downloadUrlOf(
  urls: ObjectUrls,
  media: Pick<MediaRecord, 'id' | 'filename'> & { resultKey: string },
  format: DownloadFormat,
  quality: number,
): string {
  return urls.routeUrl(`${DOWNLOAD_PATH}${media.id}`, {
    key: media.resultKey,
    format,
    quality: String(quality),
    name: downloadName(media.filename, extensionOf(format, media.resultKey)),
  });
}

/** A signed URL of the item's original as uploaded (no conversion), offered as an attachment under its own name. */
export function originalDownloadUrlOf(urls: ObjectUrls, media: Pick<MediaRecord, 'id' | 'filename' | 'originalKey'>): string {
  return urls.routeUrl(`${DOWNLOAD_PATH}${media.id}`, {
    key: media.originalKey,
    format: 'as-is',
    quality: String(DEFAULT_QUALITY),
    name: originalName(media.filename),
  });
}

/**
 * A signed URL of one ZIP of these items' results, pictures as `format`. The route looks the
 * items up again when the link is used, as their owner: one deleted since is left out.
 */
export function archiveUrlOf(urls: ObjectUrls, ownerId: string, ids: readonly string[], format: DownloadImageFormat): string {
  return urls.routeUrl(ARCHIVE_PATH, { owner: ownerId, ids: ids.join(','), format });
}
