import { Readable } from 'node:stream';
import type { Plugin } from 'graphql-yoga';
import { assertObjectKey, ObjectNotFoundError, type ObjectStore } from '@revive/object-store';
import { OBJECTS_PATH, type ObjectUrls } from './object-urls.ts';

/** Serves filesystem-store objects under /objects/ to holders of a valid signed URL. */
export function objectRoute(store: ObjectStore, urls: ObjectUrls): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(OBJECTS_PATH)) return;
      const refuse = (status: number, text: string) =>
        endResponse(new fetchAPI.Response(text, { status, headers: { 'content-type': 'text/plain' } }));
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
        const headers = {
          'content-type': info.contentType ?? 'application/octet-stream',
          'content-length': String(info.bytes),
          'cache-control': 'private, max-age=300',
        };
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
