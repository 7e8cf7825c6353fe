import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';
import type { OriginPolicy } from './origin-policy.ts';

/**
 * Headers that make a request "non-simple", so a browser sends it cross-site only after a CORS
 * preflight the origin policy answers. The web page and the CLI send the first two; test and
 * third-party clients commonly send the others.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'graphql-preflight', 'apollo-require-preflight'] as const;

/**
 * What stops another site's page from using the API through a visitor's browser. Yoga's CSRF
 * prevention refuses (403) a GraphQL request a page could send without a preflight (GET, or a
 * multipart, urlencoded or text/plain POST) unless it carries one of CSRF_HEADERS. The Host check
 * (REVIVE_AUTH=off only, see OriginPolicy) answers 421 before anything else runs, the web page
 * and object downloads included. CORS itself is Yoga's `cors` option, from the same policy.
 */
export function browserDefences(policy: OriginPolicy): Plugin {
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(useCSRFPrevention({ requestHeaders: [...CSRF_HEADERS] }));
    },
    // The request's URL carries the Host header the server adapter read it from.
    onRequest({ url, endResponse, fetchAPI }) {
      if (policy.allowsHost(url.host)) return;
      endResponse(
        new fetchAPI.Response('this gateway does not answer to that host name; see REVIVE_PUBLIC_URL and REVIVE_ALLOWED_ORIGINS\n', {
          status: 421,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        }),
      );
    },
  };
}
