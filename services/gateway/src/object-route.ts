import { Readable } from 'node:stream';
import type { Plugin } from 'graphql-yoga';
import { assertObjectKey, ObjectNotFoundError, type ObjectInfo, type ObjectStore } from '@revive/object-store';
import { MEDIA_TYPES } from './media-sniffer.ts';
import { OBJECTS_PATH, type ObjectUrls } from './object-urls.ts';

/**
 * What every answer of the route carries. Objects are served from the page's own origin, so none
 * may act as a page: no content sniffing (a GIF/HTML polyglot stays a GIF), and should a browser
 * render one as a document anyway, the sandbox gives it an opaque origin, no scripts and no
 * fetches. Inline styles only, for the browser's own image and video viewer.
 */
export const OBJECT_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
} as const;

/**
 * The headers of an object: the type the gateway detected when it stored it (its sniffer's
 * catalogue of media types, MEDIA_TYPES), never any other; media shown inline, anything else a
 * download. Media names no file: a browser prefers the header's name to the page's download
 * attribute ("brooklyn.revive.png"), and the key's ("result.png") says nothing to a person.
 * Keys are made of safe characters, so the attachment's name needs no escaping.
 */
export function objectHeaders(key: string, info: ObjectInfo): Record<string, string> {
  const media = info.contentType !== undefined && MEDIA_TYPES.has(info.contentType);
  return {
    ...OBJECT_SECURITY_HEADERS,
    'content-type': media ? info.contentType! : 'application/octet-stream',
    'content-disposition': media ? 'inline' : `attachment; filename="${key.slice(key.lastIndexOf('/') + 1)}"`,
    'content-length': String(info.bytes),
    'cache-control': 'private, max-age=300',
  };
}

/** Serves filesystem-store objects under /objects/ to holders of a valid signed URL. */
export function objectRoute(store: ObjectStore, urls: ObjectUrls): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(OBJECTS_PATH)) return;
      const refuse = (status: number, text: string) =>
        endResponse(new fetchAPI.Response(text, { status, headers: { ...OBJECT_SECURITY_HEADERS, 'content-type': 'text/plain' } }));
      if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed');
      let key: string;
      try {
        // decodeURIComponent throws on a malformed escape; anything thrown here would reach the
        // client as a 500 carrying its stack trace.
        key = url.pathname.slice(OBJECTS_PATH.length).split('/').map(decodeURIComponent).join('/');
        assertObjectKey(key);
      } catch {
        return refuse(404, 'not found');
      }
      // Same answer for a bad signature and a missing object: a URL reveals nothing unsigned.
      if (!urls.verify(key, url.searchParams.get('expires'), url.searchParams.get('signature')))
        return refuse(403, 'this link is invalid or has expired');
      try {
        const info = await store.head(key);
        if (!info) return refuse(404, 'not found');
        const headers = objectHeaders(key, info);
        if (request.method === 'HEAD') return endResponse(new fetchAPI.Response(null, { status: 200, headers }));
        const body = Readable.toWeb(await store.get(key)) as unknown as ReadableStream<Uint8Array>;
        endResponse(new fetchAPI.Response(body, { status: 200, headers }));
      } catch (error) {
        // Removed between head and get, or the store failed: no internals (nor a stack) to the client.
        return error instanceof ObjectNotFoundError ? refuse(404, 'not found') : refuse(503, 'the object store is not reachable right now');
      }
    },
  };
}
