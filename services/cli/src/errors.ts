import type { MediaError } from './media.ts';

/** Process exit codes, so scripts can tell "the server said no" from "no server". */
export const ExitCodes = {
  ok: 0,
  /** An item failed, the server rejected a request, or a local file could not be read/written. */
  failed: 1,
  /** The gateway could not be reached or answered with something that is not GraphQL. */
  network: 2,
  /** Bad command line (sysexits' EX_USAGE). */
  usage: 64,
} as const;
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/** One entry of a GraphQL response's `errors[]`, reduced to what a person or script needs. */
export interface ServerError {
  message: string;
  code: string | null;
}

/** The server answered, and its answer was `errors[]`: the server is the authority, so show its words. */
export class GraphQLRequestError extends Error {
  override readonly name = 'GraphQLRequestError';
  readonly retryable = false;
  constructor(
    readonly errors: readonly ServerError[],
    options?: ErrorOptions,
  ) {
    super(errors.map((e) => e.message).join('; ') || 'request failed', options);
  }
}

/** The gateway could not be reached, dropped the connection, or did not speak GraphQL. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  readonly retryable = true;
}

/** The command line is wrong; nothing was sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly retryable = false;
}

/** An input could not be read or a result could not be written on this machine. */
export class LocalFileError extends Error {
  override readonly name = 'LocalFileError';
  readonly retryable = false;
}

/** The server finished the item but would not hand over the result (expired or refused URL). */
export class ResultDownloadError extends Error {
  override readonly name = 'ResultDownloadError';
  readonly retryable = false;
}

/** Normalizes `errors[]` from an HTTP response or a graphql-ws error message. */
export function toServerErrors(raw: unknown): ServerError[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((entry: unknown) => {
    const e = (entry ?? {}) as { message?: unknown; extensions?: { code?: unknown } };
    return {
      message: typeof e.message === 'string' ? e.message : 'unknown server error',
      code: typeof e.extensions?.code === 'string' ? e.extensions.code : null,
    };
  });
}

/**
 * Explains a failed `fetch`: Node reports every socket problem as `TypeError: fetch failed`
 * with the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
 */
export function networkErrorFrom(err: unknown, url: string): NetworkError {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : err instanceof Error
          ? err.message
          : String(err);
  return new NetworkError(`cannot reach ${url} (${detail})`, { cause: err });
}

/** `CODE: message`, the one-line form of an item's failure. */
export function formatMediaFailure(error: Pick<MediaError, 'code' | 'message'> | null): string {
  return error ? `${error.code}: ${error.message}` : 'FAILED: the server gave no reason';
}

/** Lines to print for an error, without stack traces: these are for people. */
export function formatError(err: unknown): string[] {
  if (err instanceof GraphQLRequestError) {
    return err.errors.length === 0 ? [err.message] : err.errors.map((e) => (e.code ? `${e.code}: ${e.message}` : e.message));
  }
  if (err instanceof NetworkError) return [`network error: ${err.message}`];
  if (err instanceof UsageError) return [err.message, 'Run `revive --help` for usage.'];
  if (err instanceof Error) return [err.message];
  return [String(err)];
}

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof NetworkError) return ExitCodes.network;
  if (err instanceof UsageError) return ExitCodes.usage;
  return ExitCodes.failed;
}

/** Machine-readable form of an error for `--json` output. */
export function errorJson(err: unknown): { code: string; message: string } {
  if (err instanceof GraphQLRequestError) {
    return { code: err.errors[0]?.code ?? 'GRAPHQL_ERROR', message: err.message };
  }
  if (err instanceof NetworkError) return { code: 'NETWORK_ERROR', message: err.message };
  if (err instanceof LocalFileError) return { code: 'LOCAL_FILE_ERROR', message: err.message };
  if (err instanceof ResultDownloadError) return { code: 'DOWNLOAD_FAILED', message: err.message };
  return { code: 'CLI_ERROR', message: err instanceof Error ? err.message : String(err) };
}
