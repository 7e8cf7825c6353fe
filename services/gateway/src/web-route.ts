import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Plugin } from 'graphql-yoga';
import { repoRoot } from '@revive/config';
import { OBJECTS_PATH } from './object-urls.ts';

/** Where `npm run web:build` (services/web) writes the page. */
export const WEB_DIST_DIR = resolve(repoRoot, 'services/web/dist');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Scripts and styles only from the gateway; pictures and videos also from wherever object URLs
// point (an S3 endpoint, or REVIVE_PUBLIC_URL under another host name than the one in the address bar).
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Object URLs carry signatures: no Referer should take them elsewhere.
  'referrer-policy': 'no-referrer',
};

const NOT_BUILT = 'The Revive web page is not built. Run `npm run web:build` in the repository, then reload this page.\n';

/**
 * Serves the web page (services/web) at `/`: its files with their content types, hashed assets
 * cached for a year, and index.html for any other page path a browser navigates to. Never
 * answers for the API's paths, whatever dist/ holds.
 */
export function webRoute(graphqlPath: string, distDir: string = WEB_DIST_DIR): Plugin {
  const reserved = [graphqlPath, OBJECTS_PATH.replace(/\/$/, ''), '/healthz', '/readyz'];
  const isReserved = (path: string) => reserved.some((r) => path === r || path.startsWith(`${r}/`));
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || isReserved(url.pathname)) return;
      const text = (status: number, body: string) =>
        endResponse(
          new fetchAPI.Response(body, {
            status,
            headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
          }),
        );

      const segments = pathSegments(url.pathname);
      if (!segments) return text(404, 'not found\n');
      const file = segments.length === 0 ? null : await fileIn(distDir, segments);
      const wantsPage =
        segments.length === 0 || (!file && !extname(segments.at(-1)!) && (request.headers.get('accept') ?? '').includes('text/html'));
      const target = wantsPage ? await fileIn(distDir, ['index.html']) : file;
      if (!target) return text(404, wantsPage ? NOT_BUILT : 'not found\n');

      const etag = `W/"${target.size.toString(16)}-${Math.floor(target.mtimeMs).toString(16)}"`;
      const type = CONTENT_TYPES[extname(target.path).toLowerCase()] ?? 'application/octet-stream';
      // Vite names what it emits under assets/ by content hash: a changed file is a new URL.
      const immutable = !wantsPage && segments[0] === 'assets';
      const headers: Record<string, string> = {
        'content-type': type,
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        etag,
        'x-content-type-options': 'nosniff',
        ...(type.startsWith('text/html') ? PAGE_HEADERS : {}),
      };
      if (request.headers.get('if-none-match') === etag) return endResponse(new fetchAPI.Response(null, { status: 304, headers }));
      const body = request.method === 'HEAD' ? null : await readFile(target.path).catch(() => null);
      if (request.method === 'GET' && !body) return text(404, 'not found\n');
      endResponse(new fetchAPI.Response(body, { status: 200, headers: { ...headers, 'content-length': String(target.size) } }));
    },
  };
}

/** The decoded path's segments; null for anything that could step outside dist/ or reach a hidden file. */
function pathSegments(pathname: string): string[] | null {
  try {
    const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    return segments.some((s) => s.startsWith('.') || s.includes('/') || s.includes('\\') || s.includes('\0')) ? null : segments;
  } catch {
    // A malformed escape (%E0%A4%A) is no file of ours.
    return null;
  }
}

async function fileIn(dir: string, segments: readonly string[]): Promise<{ path: string; size: number; mtimeMs: number } | null> {
  const path = join(dir, ...segments);
  if (!path.startsWith(dir + sep)) return null;
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : null;
}
