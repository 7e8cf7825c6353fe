import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Connection } from './cli-args.ts';
import { GraphQLRequestError, LocalFileError, NetworkError, networkErrorFrom, toServerErrors } from './errors.ts';
import { MEDIA_QUERY, type EnhanceOptions, type Media, type ResultOf, type UPLOAD_MEDIA, type VariablesOf } from './media.ts';
import { mediaTypeOf } from './media-types.ts';
import { buildUploadForm } from './upload-body.ts';

/** Headers every request carries: auth, and proof to CSRF-prevention plugins that this is no simple form post. */
export function requestHeaders(connection: Connection): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/graphql-response+json, application/json',
    // A multipart POST is a "simple request" browsers send cross-site without a preflight, so
    // Yoga's and Apollo's CSRF prevention demand one of these non-simple headers on it.
    'x-graphql-yoga-csrf': 'revive-cli',
    'apollo-require-preflight': 'true',
    'graphql-preflight': '1',
  };
  if (connection.token) headers.authorization = `Bearer ${connection.token}`;
  return headers;
}

/** Uploads one file and returns the new item as the server first reports it. */
export async function uploadMedia(connection: Connection, path: string, options: EnhanceOptions, signal?: AbortSignal): Promise<Media> {
  const file = await openFile(path);
  const data = await postGraphQL<ResultOf<typeof UPLOAD_MEDIA>>(connection, buildUploadForm(file, basename(path), options), signal);
  return data.uploadMedia;
}

/** The item's current state, or null when the server does not know the id. */
export async function fetchMedia(connection: Connection, id: string, signal?: AbortSignal): Promise<Media | null> {
  const variables: VariablesOf<typeof MEDIA_QUERY> = { id };
  const body = JSON.stringify({ query: MEDIA_QUERY.query, operationName: MEDIA_QUERY.operationName, variables });
  const data = await postGraphQL<ResultOf<typeof MEDIA_QUERY>>(connection, body, signal);
  return data.media;
}

async function openFile(path: string): Promise<Blob> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new LocalFileError(`${path} is not a regular file`);
    // A file-backed Blob: fetch streams it from disk, so a large video never sits in memory.
    return await openAsBlob(path, { type: mediaTypeOf(path) });
  } catch (err) {
    if (err instanceof LocalFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new LocalFileError(`cannot read ${path} (${code})`, { cause: err });
  }
}

async function postGraphQL<T>(connection: Connection, body: FormData | string, signal?: AbortSignal): Promise<T> {
  const headers = requestHeaders(connection);
  if (typeof body === 'string') headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(connection.url, { method: 'POST', headers, body, signal: signal ?? null });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw networkErrorFrom(err, connection.url);
  }

  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) {
    // A proxy's HTML error page or a wrong --url: nothing GraphQL to report.
    throw new NetworkError(`${connection.url} answered HTTP ${response.status} with ${type || 'no content type'}, not a GraphQL response`);
  }
  let payload: { data?: T | null; errors?: unknown };
  try {
    payload = (await response.json()) as typeof payload;
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new NetworkError(`${connection.url} sent an unreadable response (HTTP ${response.status})`, { cause: err });
  }
  if (Array.isArray(payload.errors) && payload.errors.length > 0) {
    throw new GraphQLRequestError(toServerErrors(payload.errors));
  }
  if (payload.data == null) {
    throw new NetworkError(`${connection.url} answered HTTP ${response.status} with neither data nor errors`);
  }
  return payload.data;
}
