import { PassThrough, type Readable } from 'node:stream';
import type { GraphQLError } from 'graphql';
import { clientError, ErrorCodes } from '../errors.ts';

/**
 * A file of a GraphQL multipart request as its resolver gets it: the bytes while they arrive,
 * never the whole file in memory. Its stream ends only once the rest of the request has arrived
 * and parsed, so whatever stored it has stored a complete upload of a valid request; otherwise
 * the stream errors and `failure` says why (too large, malformed) as a typed GraphQL error.
 */
export class StreamedUpload {
  readonly #bytes = new PassThrough();
  #taken = false;
  #failure: GraphQLError | undefined;

  /** `name` and `type` are what the client declared: neither says anything about the content. */
  constructor(
    readonly name: string,
    readonly type: string,
  ) {
    // A failed upload nobody is reading must not become an unhandled 'error' event.
    this.#bytes.on('error', () => undefined);
  }

  /** The content, readable once: a request that maps one file to two variables gets the second refused. */
  stream(): Readable {
    if (this.#taken) throw clientError(ErrorCodes.badUserInput, 'one uploaded file can be read by one field only');
    this.#taken = true;
    return this.#bytes;
  }

  /** Why the upload did not arrive whole, once it has not. */
  get failure(): GraphQLError | undefined {
    return this.#failure;
  }

  /** For the parser: where the file's bytes go as they arrive. */
  get sink(): PassThrough {
    return this.#bytes;
  }

  /** For the parser: the request is complete and valid, so the content is too. */
  complete(): void {
    if (!this.#failure) this.#bytes.end();
  }

  /** For the parser: the request failed; a reader of the content sees `error`. */
  fail(error: GraphQLError): void {
    if (this.#failure || this.#bytes.writableEnded) return;
    this.#failure = error;
    this.#bytes.destroy(error);
  }
}
