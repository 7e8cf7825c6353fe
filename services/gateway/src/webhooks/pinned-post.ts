import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './callback-url.ts';

/**
 * A `lookup` that answers every question with the one address already resolved and checked.
 * Both forms: a single address, and the list Node asks for when it races IPv4 and IPv6.
 */
function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
}

/**
 * POSTs to `url` over a fresh connection to `target` instead of resolving the URL's host again;
 * TLS still verifies the certificate against the host name. Redirects are not followed (they
 * could point inside). Resolves with the HTTP status, the response body read and dropped.
 */
export function postPinned(
  url: string,
  target: ResolvedAddress,
  init: { readonly headers: Record<string, string>; readonly body: string; readonly timeoutMs: number },
): Promise<number> {
  const send = new URL(url).protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        // No pooled socket: one opened for an earlier delivery went wherever the name pointed then.
        agent: false,
        lookup: pinnedLookup(target),
        signal: AbortSignal.timeout(init.timeoutMs),
      },
      (response: IncomingMessage) => {
        response.resume();
        response.once('error', () => undefined);
        resolve(response.statusCode ?? 0);
      },
    );
    request.once('error', reject);
    request.end(init.body);
  });
}
