import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Connection } from './cli-args.ts';
import { LocalFileError, NetworkError, ResultDownloadError, networkErrorFrom } from './errors.ts';
import { extensionOf } from './media-types.ts';

/**
 * Where the result lives. The gateway may hand out a path (`/results/…`) rather than an
 * absolute URL; such paths are relative to the gateway's origin, not to the GraphQL path.
 */
export function resolveResultUrl(resultUrl: string, apiUrl: string): URL {
  return new URL(resultUrl, `${new URL(apiUrl).origin}/`);
}

/**
 * `<input name without its extension>.revive.<ext>`; the extension comes from the response's
 * type, else the URL's path, else the input's own (the result is usually the same kind of file).
 */
export function resultFilename(inputPath: string, contentType: string | null, resultUrl: URL): string {
  const inputExt = extname(inputPath);
  const ext = extensionOf(contentType) ?? simpleExtension(extname(resultUrl.pathname)) ?? simpleExtension(inputExt) ?? 'bin';
  return `${basename(inputPath, inputExt)}.revive.${ext}`;
}

// Only short alphanumeric extensions: a URL path may end in anything (`.../result.v2?sig=…`).
function simpleExtension(ext: string): string | null {
  const bare = ext.slice(1).toLowerCase();
  return /^[a-z0-9]{1,5}$/.test(bare) ? bare : null;
}

/** Downloads the result into `outDir` and returns its path. Written under a temporary name, then renamed, so a crash never leaves a truncated result that looks complete. */
export async function downloadResult(
  connection: Connection,
  resultUrl: string,
  inputPath: string,
  outDir: string,
  signal?: AbortSignal,
): Promise<string> {
  const url = resolveResultUrl(resultUrl, connection.url);
  // The bearer token is for the gateway; a presigned storage URL elsewhere must not see it.
  const sameOrigin = url.origin === new URL(connection.url).origin;
  const headers: Record<string, string> = sameOrigin && connection.token ? { authorization: `Bearer ${connection.token}` } : {};

  let response: Response;
  try {
    response = await fetch(url, { headers, signal: signal ?? null });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw networkErrorFrom(err, url.href);
  }
  if (!response.ok || !response.body) {
    const message = `downloading ${url.href} failed: HTTP ${response.status} ${response.statusText}`.trim();
    throw response.status >= 500 ? new NetworkError(message) : new ResultDownloadError(message);
  }

  const target = join(outDir, resultFilename(inputPath, response.headers.get('content-type'), url));
  const partial = `${target}.part`;
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    throw new LocalFileError(`cannot create ${outDir} (${(err as NodeJS.ErrnoException).code ?? err})`, { cause: err });
  }
  // Which side broke decides whose fault it is: the disk (ENOSPC, EACCES) or the connection.
  let writeFailed = false;
  try {
    const file = createWriteStream(partial).once('error', () => (writeFailed = true));
    // fetch's signal also aborts this body stream, so Ctrl-C needs nothing extra here.
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), file);
  } catch (err) {
    await rm(partial, { force: true });
    if (signal?.aborted) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    if (writeFailed) throw new LocalFileError(`cannot write ${partial} (${code})`, { cause: err });
    throw new NetworkError(`download of ${url.href} broke off (${code})`, { cause: err });
  }
  try {
    await rename(partial, target);
  } catch (err) {
    throw new LocalFileError(`cannot move ${partial} to ${target} (${(err as NodeJS.ErrnoException).code ?? err})`, { cause: err });
  }
  return target;
}
