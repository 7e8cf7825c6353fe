import { Readable } from 'node:stream';
import type { Plugin } from 'graphql-yoga';
import { assertObjectKey, type ObjectStore } from '@revive/object-store';
import { OBJECTS_PATH, type ObjectUrls } from './object-urls.ts';

/** Serves filesystem-store objects under /objects/ to holders of a valid signed URL. */
export function objectRoute(store: ObjectStore, urls: ObjectUrls): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(OBJECTS_PATH)) return;
      const key = url.pathname.slice(OBJECTS_PATH.length).split('/').map(decodeURIComponent).join('/');
      const refuse = (status: number, text: string) => endResponse(new fetchAPI.Response(text, { status, headers: { 'content-type': 'text/plain' } }));
      if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed');
      try {
        assertObjectKey(key);
      } catch {
        return refuse(404, 'not found');
      }
      // Same answer for a bad signature and a missing object: a URL reveals nothing unsigned.
      if (!urls.verify(key, url.searchParams.get('expires'), url.searchParams.get('signature'))) return refuse(403, 'this link is invalid or has expired');
      const info = await store.head(key);
      if (!info) return refuse(404, 'not found');
      const headers = { 'content-type': info.contentType ?? 'application/octet-stream', 'content-length': String(info.bytes), 'cache-control': 'private, max-age=300' };
      if (request.method === 'HEAD') return endResponse(new fetchAPI.Response(null, { status: 200, headers }));
      const body = Readable.toWeb(await store.get(key)) as unknown as ReadableStream<Uint8Array>;
      endResponse(new fetchAPI.Response(body, { status: 200, headers }));
    },
  };
}
