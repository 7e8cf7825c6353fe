/** Codes the page produces itself, beside the server's `extensions.code` values. */
export const ClientCodes = {
  network: 'NETWORK_ERROR',
  unauthenticated: 'UNAUTHENTICATED',
  badResponse: 'BAD_RESPONSE',
  aborted: 'ABORTED',
} as const;

/** A request that did not succeed: the server's typed error, or why no answer came. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The server wants to know who is asking (accounts, issue 8): the page offers sign-in. */
  get isAuthFailure(): boolean {
    return this.code === ClientCodes.unauthenticated || this.httpStatus === 401;
  }
}

interface RawError {
  message?: unknown;
  extensions?: { code?: unknown };
}

/**
 * Turns one HTTP answer to a GraphQL request into its `data`, or throws an ApiError. Shared by
 * fetch and the XMLHttpRequest upload so both read answers the same way.
 */
export function readGraphqlResponse<T>(status: number, contentType: string | null, body: string): T {
  if (!(contentType ?? '').includes('json')) {
    if (status === 401) throw new ApiError(ClientCodes.unauthenticated, 'please sign in', status);
    // A proxy's HTML error page, or no gateway behind this address at all.
    throw new ApiError(ClientCodes.badResponse, `the server answered HTTP ${status} without a GraphQL response`, status);
  }
  let payload: { data?: T | null; errors?: unknown };
  try {
    payload = JSON.parse(body) as typeof payload;
  } catch (cause) {
    throw new ApiError(ClientCodes.badResponse, `the server sent an unreadable answer (HTTP ${status})`, status, { cause });
  }
  if (Array.isArray(payload.errors) && payload.errors.length > 0) {
    const first = (payload.errors[0] ?? {}) as RawError;
    const code =
      typeof first.extensions?.code === 'string' ? first.extensions.code : status === 401 ? ClientCodes.unauthenticated : 'SERVER_ERROR';
    const message = (payload.errors as RawError[]).map((e) => (typeof e.message === 'string' ? e.message : 'unknown error')).join('; ');
    throw new ApiError(code, message, status);
  }
  if (status === 401) throw new ApiError(ClientCodes.unauthenticated, 'please sign in', status);
  if (payload.data == null)
    throw new ApiError(ClientCodes.badResponse, `the server answered HTTP ${status} with neither data nor errors`, status);
  return payload.data;
}

/** What a person reads about a failure: a short title, the reason, and the code for support. */
export interface ErrorText {
  title: string;
  detail: string;
  code: string;
}

const TITLES: Readonly<Record<string, string>> = {
  UNSUPPORTED_MEDIA: 'This file is not a photo or video Revive can read',
  EMPTY_UPLOAD: 'This file is empty',
  UPLOAD_TOO_LARGE: 'This file is too large',
  BAD_USER_INPUT: 'These options were not accepted',
  IMAGE_TOO_LARGE: 'This picture has too many pixels',
  CORRUPT_VIDEO: 'This video is damaged or incomplete',
  VIDEO_TOO_LONG: 'This video is too long',
  VIDEO_TOO_LARGE: 'This video would come out too large',
  FRAME_RATE_TOO_HIGH: 'This frame rate is too high',
  MODEL_UNAVAILABLE: 'The server is missing a restoration model',
  RETRIES_EXHAUSTED: 'The restoration kept failing',
  [ClientCodes.network]: 'Could not reach the Revive server',
  [ClientCodes.badResponse]: 'The server gave an unexpected answer',
  [ClientCodes.unauthenticated]: 'Please sign in',
};

/** Error text for an upload or a processing failure, from the code and the server's own words. */
export function describeError(code: string, message: string, during: 'upload' | 'processing'): ErrorText {
  const fallback = during === 'upload' ? 'The upload did not go through' : 'The restoration did not finish';
  return { title: TITLES[code] ?? fallback, detail: sentence(message), code };
}

/** `the file is neither…` → `The file is neither….` */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
