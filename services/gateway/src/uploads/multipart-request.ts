import { Readable } from 'node:stream';
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import type { GraphQLError } from 'graphql';
import type { GraphQLParams } from 'graphql-yoga';
import { clientError, ErrorCodes } from '../errors.ts';
import { badRequest, uploadTooLarge } from './body-errors.ts';
import { StreamedUpload } from './streamed-upload.ts';

/** Most bytes of the `operations` or the `map` field of a multipart request. */
export const MAX_FIELD_BYTES = 1_000_000;

/** What a multipart upload carries beside its file, at most: the two fields, part headers, boundaries. */
export const MULTIPART_OVERHEAD_BYTES = 2 * MAX_FIELD_BYTES + 64 * 1024;

/** A GraphQL multipart request being read. */
export interface MultipartRequest {
  /**
   * The operations with the file put in place as a StreamedUpload; settles when the file part
   * starts (the spec puts `operations` and `map` first), so the resolver streams the file while
   * the client is still sending it. Without a file it settles at the end of the body.
   */
  readonly params: Promise<GraphQLParams | GraphQLParams[]>;
  /** Reads what is left of the body and drops it: nobody will read it now, and the client can finish sending and read the answer. */
  discard(): void;
}

const invalidField = (name: string) => clientError(ErrorCodes.badUserInput, `Multipart form field "${name}" must be a valid JSON string`);

/**
 * Parses a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * as a stream: one file of at most `maxFileBytes`, fields of at most MAX_FIELD_BYTES. Yoga's own
 * parser holds every file in memory until the body has ended; this one hands the file on as it
 * arrives, with backpressure down to the socket.
 */
export function parseMultipartRequest(request: Request, maxFileBytes: number): MultipartRequest {
  let resolve!: (params: GraphQLParams | GraphQLParams[]) => void;
  let reject!: (error: GraphQLError) => void;
  const params = new Promise<GraphQLParams | GraphQLParams[]>((res, rej) => ((resolve = res), (reject = rej)));
  // Yoga may never ask for the params (another plugin answered first); a refusal then is nobody's business.
  params.catch(() => undefined);
  let settled = false;
  const settle = (value: GraphQLParams | GraphQLParams[]) => {
    if (!settled) resolve(value);
    settled = true;
  };

  const source = request.body ? Readable.from(request.body as unknown as AsyncIterable<Uint8Array>) : undefined;
  const parser = source && createParser(request.headers.get('content-type') ?? '', maxFileBytes);
  let upload: StreamedUpload | undefined;
  let stopped = false;
  const discard = () => {
    if (stopped) return;
    stopped = true;
    if (parser && !(parser instanceof Error)) source?.unpipe(parser);
    source?.resume();
  };
  const fail = (error: GraphQLError) => {
    if (!settled) reject(error);
    settled = true;
    upload?.fail(error);
    discard();
  };
  if (!source || !parser || parser instanceof Error) {
    fail(badRequest(parser instanceof Error ? `invalid multipart request: ${parser.message}` : 'the multipart request has no body'));
    return { params, discard };
  }
  // A client that goes away mid-body: the upload fails, and nobody is left to answer.
  source.on('error', () => fail(badRequest('the request body ended before it was complete')));

  let operations: Record<string, unknown> | unknown[] | undefined;
  let map: Record<string, string[]> | undefined;
  parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated) return fail(badRequest(`the multipart field "${name}" is larger than ${MAX_FIELD_BYTES} bytes`));
    if (name !== 'operations' && name !== 'map') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return fail(invalidField(name));
    }
    if (name === 'operations') {
      if (typeof parsed !== 'object' || parsed === null) return fail(invalidField(name));
      operations = parsed as Record<string, unknown> | unknown[];
    } else {
      const valid =
        typeof parsed === 'object' &&
        parsed !== null &&
        !Array.isArray(parsed) &&
        Object.values(parsed).every((paths) => Array.isArray(paths) && paths.every((p) => typeof p === 'string'));
      if (!valid) return fail(invalidField(name));
      map = parsed as Record<string, string[]>;
    }
  });
  parser.on('file', (name, file, filename, _encoding, mimeType) => {
    const paths = map?.[name];
    if (!operations || !paths) {
      file.resume();
      return fail(badRequest(`file part "${name}" must follow the "operations" and "map" fields and be named in "map"`));
    }
    const current = new StreamedUpload(filename ?? '', mimeType ?? '');
    upload = current;
    file.on('limit', () => fail(uploadTooLarge(maxFileBytes)));
    file.on('error', (error: Error) => fail(badRequest(`invalid multipart body: ${error.message}`)));
    // Ended by `complete` once the whole request has parsed: a second file or broken framing after it still refuses the upload.
    file.pipe(current.sink, { end: false });
    for (const path of paths) setPath(operations, path, current);
    settle(operations as GraphQLParams | GraphQLParams[]);
  });
  parser.on('filesLimit', () => fail(badRequest('a request carries one file')));
  parser.on('fieldsLimit', () => fail(badRequest('a multipart request has two fields, "operations" and "map"')));
  parser.on('partsLimit', () => fail(badRequest('a multipart request has three parts: "operations", "map" and one file')));
  parser.on('error', (error: Error) => fail(badRequest(`invalid multipart body: ${error.message}`)));
  parser.on('finish', () => {
    if (stopped) return;
    if (!operations) return fail(clientError(ErrorCodes.badUserInput, 'Missing multipart form field "operations"'));
    settle(operations as GraphQLParams | GraphQLParams[]);
    upload?.complete();
  });
  source.pipe(parser);
  return { params, discard };
}

/** Busboy for one GraphQL multipart request, or why the content type names none (no boundary). */
function createParser(contentType: string, maxFileBytes: number): BusboyInstance | Error {
  try {
    return Busboy({
      headers: { 'content-type': contentType },
      limits: { fileSize: maxFileBytes, files: 1, fields: 2, fieldSize: MAX_FIELD_BYTES, parts: 3 },
    });
  } catch (error) {
    return error as Error;
  }
}

/** Puts `value` at a `map` path such as `variables.file` or `0.variables.files.1`; never on a prototype. */
function setPath(target: object, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const [i, key] of keys.entries()) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null || !Object.hasOwn(node, key)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
}
