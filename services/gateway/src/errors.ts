import { GraphQLError } from 'graphql';

/** `extensions.code` values a client can program against; anything else is masked as INTERNAL_SERVER_ERROR. */
export const ErrorCodes = {
  badUserInput: 'BAD_USER_INPUT',
  notFound: 'NOT_FOUND',
  unsupportedMedia: 'UNSUPPORTED_MEDIA',
  emptyUpload: 'EMPTY_UPLOAD',
  uploadTooLarge: 'UPLOAD_TOO_LARGE',
  /** What the options would make of the upload is over the output limits (pixels per image, per video frame, per video). */
  outputTooLarge: 'OUTPUT_TOO_LARGE',
  /** The uploaded image alone is past the pixel limit, at any scale (a decompression bomb). */
  imageTooLarge: 'IMAGE_TOO_LARGE',
  /** A request body that is not an upload, over its byte limit (413). */
  requestTooLarge: 'REQUEST_ENTITY_TOO_LARGE',
  /** An HTTP request Yoga or the multipart parser cannot read (400): broken framing, a second file. */
  badRequest: 'BAD_REQUEST',
  serviceUnavailable: 'SERVICE_UNAVAILABLE',
  /** retryMedia on an item that has not failed, cancelMedia on a finished one. */
  invalidState: 'INVALID_STATE',
  /** retryMedia while the caller already has REVIVE_MAX_IN_FLIGHT_PER_USER items in the pipeline; try again when one finishes. */
  tooManyInFlight: 'TOO_MANY_IN_FLIGHT',
  queryTooDeep: 'QUERY_TOO_DEEP',
  queryTooComplex: 'QUERY_TOO_COMPLEX',
  rateLimited: 'RATE_LIMITED',
  unauthenticated: 'UNAUTHENTICATED',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** An expected error: its message and code reach the client (Yoga masks every other error). */
export function clientError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}
