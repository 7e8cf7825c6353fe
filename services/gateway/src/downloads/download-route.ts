import { Readable } from 'node:stream';
import type { Plugin } from 'graphql-yoga';
import { convertImageStream, DOWNLOAD_CONTENT_TYPES, type DownloadImageFormat } from '@revive/image-io';
import { assertObjectKey, ObjectNotFoundError, type ObjectStore } from '@revive/object-store';
import { OBJECT_SECURITY_HEADERS } from '../object-route.ts';
import type { ObjectUrls } from '../object-urls.ts';
import type { MediaRepository } from '../persistence/index.ts';
import { attachmentDisposition, uniqueNamer } from './download-names.ts';
import { ARCHIVE_PATH, DEFAULT_QUALITY, DOWNLOAD_PATH, extensionOf, type DownloadFormat } from './download-urls.ts';
import { zipStream, type ZipEntry } from './zip-writer.ts';

const IMAGE_FORMATS: ReadonlySet<string> = new Set(Object.keys(DOWNLOAD_CONTENT_TYPES));
const isImageFormat = (f: string | null): f is DownloadImageFormat => f !== null && IMAGE_FORMATS.has(f);

/**
 * The result's bytes in `format`: as stored when that is what it already is (a PNG result as
 * PNG, a video's MP4), else re-encoded as they are read.
 */
async function resultBytes(
  store: ObjectStore,
  key: string,
  format: DownloadFormat,
  quality: number,
): Promise<{ body: Readable; type: string }> {
  const info = await store.head(key);
  if (!info) throw new ObjectNotFoundError(`no object ${key}`);
  const stored = await store.get(key);
  if (format === 'as-is') return { body: stored, type: info.contentType ?? 'application/octet-stream' };
  const type = DOWNLOAD_CONTENT_TYPES[format];
  if (info.contentType === type) return { body: stored, type };
  const converted = convertImageStream(format, quality);
  // A failing read fails the conversion's output too, so the response ends in an error, not a hang.
  stored.on('error', (err) => converted.destroy(err));
  return { body: stored.pipe(converted) as Readable, type };
}

const webStream = (body: AsyncIterable<Uint8Array> | Readable) =>
  Readable.toWeb(body instanceof Readable ? body : Readable.from(body)) as unknown as ReadableStream<Uint8Array>;

/**
 * Serves the signed links `Media.downloadUrl` and `archiveUrl` hand out: one result converted
 * on the fly, or a ZIP of several written while it is sent. Both are attachments named after the
 * items, with the object route's headers (no sniffing, a sandbox should a browser render one).
 */
export function downloadRoutes(store: ObjectStore, urls: ObjectUrls, media: MediaRepository): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const download = url.pathname.startsWith(DOWNLOAD_PATH);
      if (!download && url.pathname !== ARCHIVE_PATH) return;
      const refuse = (status: number, text: string) =>
        endResponse(new fetchAPI.Response(text, { status, headers: { ...OBJECT_SECURITY_HEADERS, 'content-type': 'text/plain' } }));
      if (request.method !== 'GET') return refuse(405, 'method not allowed');
      if (!urls.verifyRoute(url)) return refuse(403, 'this link is invalid or has expired');
      const params = url.searchParams;
      const format = params.get('format');
      const headers = (type: string, name: string) => ({
        ...OBJECT_SECURITY_HEADERS,
        'content-type': type,
        'content-disposition': attachmentDisposition(name),
        'cache-control': 'private, max-age=300',
      });
      try {
        if (download) {
          const key = params.get('key') ?? '';
          assertObjectKey(key);
          const quality = Number(params.get('quality') ?? DEFAULT_QUALITY);
          if (format !== 'as-is' && !isImageFormat(format)) return refuse(404, 'not found');
          const { body, type } = await resultBytes(store, key, format, quality);
          return endResponse(
            new fetchAPI.Response(webStream(body), { status: 200, headers: headers(type, params.get('name') ?? 'result') }),
          );
        }
        if (!isImageFormat(format)) return refuse(404, 'not found');
        const entries = archiveEntries(store, media.ownedBy(params.get('owner') ?? ''), (params.get('ids') ?? '').split(','), format);
        return endResponse(
          new fetchAPI.Response(webStream(zipStream(entries)), { status: 200, headers: headers('application/zip', 'revive.zip') }),
        );
      } catch (error) {
        // No internals (nor a stack) to the client.
        return error instanceof ObjectNotFoundError ? refuse(404, 'not found') : refuse(503, 'the object store is not reachable right now');
      }
    },
  };
}

/** The archive's files: each of the owner's items still COMPLETED, looked up only when the ZIP reaches it. */
async function* archiveEntries(
  store: ObjectStore,
  owned: MediaRepository,
  ids: readonly string[],
  format: DownloadImageFormat,
): AsyncGenerator<ZipEntry> {
  const name = uniqueNamer();
  for (const id of ids) {
    const item = await owned.get(id);
    if (!item || item.status !== 'COMPLETED' || !item.resultKey) continue;
    const resultKey = item.resultKey;
    const as: DownloadFormat = item.kind === 'video' ? 'as-is' : format;
    yield {
      name: name(item.filename, extensionOf(as, resultKey)),
      modified: new Date(item.updatedAt),
      open: async () => (await resultBytes(store, resultKey, as, DEFAULT_QUALITY)).body,
    };
  }
}
