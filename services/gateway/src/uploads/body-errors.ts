import type { GraphQLError } from 'graphql';
import { clientError, ErrorCodes } from '../errors.ts';

/** An upload over the configured limit, however it was found out (declared length or bytes counted): 413. */
export const uploadTooLarge = (limitBytes: number): GraphQLError =>
  clientError(ErrorCodes.uploadTooLarge, `the upload is larger than the limit of ${limitBytes} bytes`, {
    limitBytes,
    http: { status: 413 },
  });

/** A request body that is not an upload, over its limit: 413. */
export const requestTooLarge = (limitBytes: number): GraphQLError =>
  clientError(ErrorCodes.requestTooLarge, `the request body is larger than the limit of ${limitBytes} bytes`, {
    limitBytes,
    http: { status: 413 },
  });

/** A body that cannot be read as the request it claims to be: 400. */
export const badRequest = (message: string): GraphQLError => clientError(ErrorCodes.badRequest, message, { http: { status: 400 } });
