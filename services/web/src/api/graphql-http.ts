import { bearer, type TokenStore } from '../auth/token-store.ts';
import { ApiError, ClientCodes, readGraphqlResponse } from './errors.ts';
import {
  ARCHIVE_URL,
  CANCEL_MEDIA,
  DOWNLOAD_URL,
  REPROCESS_MEDIA,
  DELETE_MEDIA,
  MEDIA_QUERY,
  MEDIAS_QUERY,
  ORIGINAL_DOWNLOAD_URL,
  RETRY_MEDIA,
  type DownloadFormat,
  type EnhanceOptions,
  type Media,
  type MediaFilter,
  type MediaPage,
  type TypedOperation,
} from './operations.ts';

/** Headers every request carries: the bearer token, and proof to CSRF guards that this is no plain form post. */
export function requestHeaders(token: string | null): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/graphql-response+json, application/json',
    // A multipart POST is a "simple request"; Yoga's and Apollo's CSRF prevention ask for one of these.
    'x-graphql-yoga-csrf': 'revive-web',
    'graphql-preflight': '1',
  };
  const authorization = bearer(token);
  if (authorization) headers.authorization = authorization;
  return headers;
}

/** Queries over HTTP POST (JSON). */
export interface GraphqlHttp {
  readonly endpoint: string;
  media(id: string): Promise<Media | null>;
  medias(first: number, after: string | null, filter?: MediaFilter | null): Promise<MediaPage>;
  /** Stops a waiting or running item; resolves with it CANCELLED. */
  cancel(id: string): Promise<Media>;
  /** Runs a failed item again from the step that failed. */
  retry(id: string): Promise<Media>;
  /** Deletes items for good; resolves with the ids deleted now. */
  remove(ids: readonly string[]): Promise<string[]>;
  /** Restores an item again from its stored original: a new item, which this resolves with. */
  reprocess(id: string, options: EnhanceOptions): Promise<Media>;
  /** A freshly signed link to the result in this format (null until it is finished, or for a video). */
  downloadUrl(id: string, format: DownloadFormat): Promise<string | null>;
  /** A freshly signed link to the original as uploaded, as a download under its own name (null once it is gone). */
  originalDownloadUrl(id: string): Promise<string | null>;
  /** A freshly signed link to one ZIP of these items' results. */
  archiveUrl(ids: readonly string[], format: DownloadFormat): Promise<string>;
}

export function createGraphqlHttp(endpoint: string, tokens: TokenStore): GraphqlHttp {
  async function post<Result, Variables>(operation: TypedOperation<Result, Variables>, variables: Variables): Promise<Result> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { ...requestHeaders(tokens.get()), 'content-type': 'application/json' },
        body: JSON.stringify({ query: operation.query, operationName: operation.operationName, variables }),
      });
    } catch (cause) {
      throw new ApiError(ClientCodes.network, 'check your connection and try again', null, { cause });
    }
    return readGraphqlResponse<Result>(response.status, response.headers.get('content-type'), await response.text());
  }
  return {
    endpoint,
    media: async (id) => (await post(MEDIA_QUERY, { id })).media,
    medias: async (first, after, filter) => (await post(MEDIAS_QUERY, { first, after, filter: filter ?? null })).medias,
    cancel: async (id) => (await post(CANCEL_MEDIA, { id })).cancelMedia,
    retry: async (id) => (await post(RETRY_MEDIA, { id })).retryMedia,
    remove: async (ids) => (await post(DELETE_MEDIA, { ids: [...ids] })).deleteMedia,
    reprocess: async (id, options) => (await post(REPROCESS_MEDIA, { id, options })).reprocessMedia,
    downloadUrl: async (id, format) => (await post(DOWNLOAD_URL, { id, format })).media?.downloadUrl ?? null,
    originalDownloadUrl: async (id) => (await post(ORIGINAL_DOWNLOAD_URL, { id })).media?.originalDownloadUrl ?? null,
    archiveUrl: async (ids, format) => (await post(ARCHIVE_URL, { ids: [...ids], format })).archiveUrl,
  };
}
