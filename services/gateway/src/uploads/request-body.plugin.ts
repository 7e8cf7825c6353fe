import type { Plugin } from 'graphql-yoga';
import { badRequest, requestTooLarge, uploadTooLarge } from './body-errors.ts';
import { MULTIPART_OVERHEAD_BYTES, parseMultipartRequest, type MultipartRequest } from './multipart-request.ts';

/** Largest body of a request that is not an upload: Yoga's own default, which it applied to uploads too. */
export const MAX_BODY_BYTES = 25_000_000;

const isMultipart = (request: Request) =>
  request.method === 'POST' && /^multipart\/form-data\b/i.test(request.headers.get('content-type') ?? '');

/**
 * The limits on request bodies, in place of Yoga's one limit for every body (`maxRequestBodySize:
 * false` in yoga.ts): an upload may be `maxUploadBytes` (REVIVE_MAX_UPLOAD_BYTES) and streams to
 * its resolver; any other body may be MAX_BODY_BYTES. A declared length over the limit is refused
 * before a byte is read; a body that turns out longer (chunked, or the file part alone) is
 * refused when it does. Either way the refusal is a typed 413 that the client gets to read: the
 * rest of its body is read and dropped, not left unread on a socket that would then be reset.
 */
export function requestBodyLimits(maxUploadBytes: number): Plugin {
  const uploads = new WeakMap<Request, MultipartRequest>();
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const header = request.headers.get('content-length');
      // Only one non-negative integer is a length; anything else (a smuggling attempt) is refused outright.
      if (header !== null && !/^\d+$/.test(header)) throw badRequest('the Content-Length header is not a length');
      const declared = header === null ? undefined : Number(header);
      if (isMultipart(request)) {
        if (declared !== undefined && declared > maxUploadBytes + MULTIPART_OVERHEAD_BYTES) throw uploadTooLarge(maxUploadBytes);
        setRequestParser((req) => {
          const multipart = parseMultipartRequest(req, maxUploadBytes);
          uploads.set(req, multipart);
          return multipart.params;
        });
        return;
      }
      if (declared !== undefined && declared > MAX_BODY_BYTES) throw requestTooLarge(MAX_BODY_BYTES);
      if (requestParser && request.body && declared === undefined)
        setRequestParser((req) => requestParser(withByteLimit(req, MAX_BODY_BYTES, fetchAPI.Request)));
    },
    // Whatever of an upload the operation did not read (it was refused, or never asked for it) is dropped.
    onResponse({ request }) {
      uploads.get(request)?.discard();
    },
  };
}

/**
 * The request with a body that fails with REQUEST_ENTITY_TOO_LARGE past `maxBytes`, for bodies of
 * no declared length. What follows the limit is read and dropped rather than left unread: giving
 * up on the stream would destroy the socket under a client still sending, which then never reads
 * the 413.
 */
function withByteLimit(request: Request, maxBytes: number, RequestCtor: typeof Request): Request {
  const source = (request.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  async function* counted() {
    let seen = 0;
    for (let next = await source.next(); !next.done; next = await source.next()) {
      seen += next.value.byteLength;
      if (seen > maxBytes) {
        void drain(source);
        throw requestTooLarge(maxBytes);
      }
      yield next.value;
    }
  }
  return new RequestCtor(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: counted() as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
}

async function drain(source: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    while (!(await source.next()).done);
  } catch {
    // The client went away: nothing left to drain.
  }
}
