import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import type { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { clientError, ErrorCodes } from '../errors.ts';
import { MAX_BODY_BYTES, parseMultipartRequest, requestBodyLimits, StreamedUpload } from './index.ts';

const BOUNDARY = 'revive-spec-boundary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const UPLOAD = 'mutation ($file: File!) { size(file: $file) }';
const encode = (s: string) => new TextEncoder().encode(s);
const bytes = (length: number, from = 0) => Uint8Array.from({ length }, (_, i) => (from + i) % 251);

const field = (name: string, value: string) =>
  encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
const fileHead = (name: string, filename = 'photo.jpg') =>
  encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`);
const fileEnd = encode('\r\n');
const close = encode(`--${BOUNDARY}--\r\n`);
const operations = (query = UPLOAD) => field('operations', JSON.stringify({ query, variables: { file: null } }));
const map = (value: unknown = { 0: ['variables.file'] }) => field('map', JSON.stringify(value));

/** A request whose body the spec feeds by hand, counting what the parser pulled. */
function feedable() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c), pull: () => void (pulls += 1) }, { highWaterMark: 0 });
  const request = new Request('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': CONTENT_TYPE },
    body,
    duplex: 'half',
  } as RequestInit);
  return {
    request,
    push: (...chunks: Uint8Array[]) => chunks.forEach((c) => controller.enqueue(c)),
    end: () => controller.close(),
    pulls: () => pulls,
  };
}

/** A request with the whole body at once. */
const whole = (...chunks: Uint8Array[]) => {
  const fed = feedable();
  fed.push(...chunks);
  fed.end();
  return fed.request;
};

const uploadOf = async (params: Promise<unknown>) => {
  const file = ((await params) as { variables: { file: unknown } }).variables.file;
  assert.ok(file instanceof StreamedUpload);
  return file;
};
const codeOf = (error: unknown) => (error as GraphQLError).extensions?.code;

describe('parseMultipartRequest: a GraphQL multipart upload, streamed to its resolver', () => {
  it('hands the file on while the body is still arriving, then the whole of it, once the request has ended', async () => {
    const fed = feedable();
    const first = bytes(64 * 1024);
    fed.push(operations(), map(), fileHead('0'), first);
    const parsed = parseMultipartRequest(fed.request, 10_000_000);
    const upload = await uploadOf(parsed.params);
    assert.equal(upload.name, 'photo.jpg');
    const reader = upload.stream()[Symbol.asyncIterator]();
    const early = (await reader.next()).value as Buffer;
    assert.ok(early.length > 0, 'the first bytes reach the resolver before the client has sent the rest');
    const rest = bytes(3_000_000, 64 * 1024);
    fed.push(rest, fileEnd, close);
    fed.end();
    const chunks = [early];
    for (let next = await reader.next(); !next.done; next = await reader.next()) chunks.push(next.value as Buffer);
    assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), new Uint8Array(Buffer.concat([first, rest])));
    assert.equal(upload.failure, undefined);
  });

  it('fails the file past the limit with UPLOAD_TOO_LARGE (413), however the body was framed', async () => {
    const parsed = parseMultipartRequest(whole(operations(), map(), fileHead('0'), bytes(1500), fileEnd, close), 1000);
    const upload = await uploadOf(parsed.params);
    await assert.rejects(buffer(upload.stream()), (e) => codeOf(e) === 'UPLOAD_TOO_LARGE');
    assert.equal(upload.failure?.extensions.code, 'UPLOAD_TOO_LARGE');
    assert.deepEqual(upload.failure?.extensions.http, { status: 413 });
    assert.equal(upload.failure?.extensions.limitBytes, 1000);
  });

  it('accepts a file of exactly the limit', async () => {
    const parsed = parseMultipartRequest(whole(operations(), map(), fileHead('0'), bytes(1000), fileEnd, close), 1000);
    assert.equal((await buffer((await uploadOf(parsed.params)).stream())).length, 1000);
  });

  it('fails, rather than ends, a file followed by a second one or by broken framing', async () => {
    const two = parseMultipartRequest(
      whole(
        operations(),
        map({ 0: ['variables.file'], 1: ['variables.other'] }),
        fileHead('0'),
        bytes(100),
        fileEnd,
        fileHead('1'),
        bytes(10),
        fileEnd,
        close,
      ),
      10_000,
    );
    const first = await uploadOf(two.params);
    await assert.rejects(buffer(first.stream()), (e) => codeOf(e) === 'BAD_REQUEST');

    const cut = parseMultipartRequest(whole(operations(), map(), fileHead('0'), bytes(100)), 10_000);
    const truncated = await uploadOf(cut.params);
    await assert.rejects(buffer(truncated.stream()), (e) => codeOf(e) === 'BAD_REQUEST');
  });

  it('refuses a file before the operations or missing from map (BAD_REQUEST), and operations that are not JSON (BAD_USER_INPUT)', async () => {
    for (const body of [
      [fileHead('0'), bytes(10), fileEnd, operations(), map(), close],
      [operations(), map({}), fileHead('0'), bytes(10), fileEnd, close],
    ])
      await assert.rejects(parseMultipartRequest(whole(...body), 10_000).params, (e) => codeOf(e) === 'BAD_REQUEST');
    await assert.rejects(
      parseMultipartRequest(whole(field('operations', '{ not json'), map(), fileHead('0'), bytes(10), fileEnd, close), 10_000).params,
      (e) => codeOf(e) === 'BAD_USER_INPUT',
    );
    await assert.rejects(parseMultipartRequest(whole(map({}), close), 10_000).params, (e) => codeOf(e) === 'BAD_USER_INPUT');
    const noBoundary = new Request('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'x',
    });
    await assert.rejects(parseMultipartRequest(noBoundary, 10_000).params, (e) => codeOf(e) === 'BAD_REQUEST');
  });

  it('settles at the end of the body when there is no file, and never writes through a prototype path', async () => {
    const params = (await parseMultipartRequest(whole(operations(), map({ 0: ['__proto__.polluted'] }), close), 10_000).params) as {
      variables: { file: unknown };
    };
    assert.equal(params.variables.file, null);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('lets one file be read once: a second variable mapped to it is refused', async () => {
    const parsed = parseMultipartRequest(
      whole(operations(), map({ 0: ['variables.file', 'variables.again'] }), fileHead('0'), bytes(10), fileEnd, close),
      10_000,
    );
    const params = (await parsed.params) as { variables: { file: StreamedUpload; again: StreamedUpload } };
    assert.equal(params.variables.file, params.variables.again);
    await buffer(params.variables.file.stream());
    assert.throws(
      () => params.variables.again.stream(),
      (e) => codeOf(e) === 'BAD_USER_INPUT',
    );
  });

  it('discard reads what is left of the body and drops it, so a client still sending can finish', async () => {
    const chunks = [operations(), map(), fileHead('0'), ...Array.from({ length: 200 }, () => bytes(64 * 1024)), fileEnd, close];
    let sent = 0;
    let ended = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const chunk = chunks[sent++];
          if (chunk) return controller.enqueue(chunk);
          ended = true;
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const request = new Request('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': CONTENT_TYPE },
      body,
      duplex: 'half',
    } as RequestInit);
    const parsed = parseMultipartRequest(request, 100_000_000);
    await uploadOf(parsed.params);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(sent < chunks.length, `unread, the body waits for its reader (backpressure): ${sent} of ${chunks.length} chunks pulled`);
    parsed.discard();
    for (let i = 0; i < 500 && !ended; i += 1) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ended, 'the whole body was read');
  });
});

describe('requestBodyLimits over HTTP: the limits Yoga applies, each refusal a typed 413 the client reads', () => {
  const LIMIT = 2_000_000;
  let server: Server;
  let url: string;
  let resolverCalls = 0;
  const yoga = createYoga({
    maxRequestBodySize: false,
    schema: createSchema({
      typeDefs: 'scalar File type Query { echo(text: String): String } type Mutation { size(file: File!): Int refuse(file: File!): Int }',
      resolvers: {
        Query: { echo: (_: unknown, { text }: { text: string }) => text },
        Mutation: {
          size: async (_: unknown, { file }: { file: StreamedUpload }) => {
            resolverCalls += 1;
            try {
              return (await buffer(file.stream())).length;
            } catch (error) {
              throw file.failure ?? error;
            }
          },
          // Refuses without reading a byte: what is left of the body must still be read.
          refuse: () => {
            throw clientError(ErrorCodes.unsupportedMedia, 'not today');
          },
        },
      },
    }),
    plugins: [requestBodyLimits(LIMIT)],
  });
  before(async () => {
    server = createServer(yoga);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const form = (size: number, query = UPLOAD) => {
    const body = new FormData();
    body.set('operations', JSON.stringify({ query, variables: { file: null } }));
    body.set('map', JSON.stringify({ 0: ['variables.file'] }));
    body.set('0', new File([bytes(size)], 'photo.jpg'));
    return body;
  };
  /** The same form sent with chunked transfer encoding: no declared length to refuse it by. */
  const chunked = (body: FormData): RequestInit => {
    const request = new Request(url, { method: 'POST', body });
    return {
      method: 'POST',
      body: request.body,
      headers: { 'content-type': request.headers.get('content-type')! },
      duplex: 'half',
    } as RequestInit;
  };
  const send = async (init: RequestInit) => {
    const response = await fetch(url, init);
    return { status: response.status, json: (await response.json()) as { data?: Record<string, unknown>; errors?: GraphQLError[] } };
  };

  it("takes an upload of up to the configured limit, past Yoga's default of 25 MB for the whole body", async () => {
    const big = createYoga({
      maxRequestBodySize: false,
      schema: createSchema({
        typeDefs: 'scalar File type Query { a: Int } type Mutation { size(file: File!): Int }',
        resolvers: { Mutation: { size: async (_: unknown, { file }: { file: StreamedUpload }) => (await buffer(file.stream())).length } },
      }),
      plugins: [requestBodyLimits(40_000_000)],
    });
    const response = await big.fetch('http://gateway.test/graphql', { method: 'POST', body: form(30_000_000) });
    assert.deepEqual(await response.json(), { data: { size: 30_000_000 } });
  });

  it('refuses a declared length over the limit before reading the body or running the resolver', async () => {
    resolverCalls = 0;
    const reply = await send({ method: 'POST', body: form(LIMIT + 3_000_000) });
    assert.equal(reply.status, 413);
    assert.equal(reply.json.errors?.[0]?.extensions?.code, 'UPLOAD_TOO_LARGE');
    assert.equal(reply.json.errors?.[0]?.extensions?.limitBytes, LIMIT);
    assert.equal(resolverCalls, 0);
  });

  it('refuses a chunked upload when its file passes the limit, and one just over the limit with a declared length', async () => {
    for (const init of [chunked(form(LIMIT + 3_000_000)), { method: 'POST', body: form(LIMIT + 1) }]) {
      const reply = await send(init);
      assert.equal(reply.status, 413);
      assert.equal(reply.json.errors?.[0]?.extensions?.code, 'UPLOAD_TOO_LARGE');
    }
    assert.deepEqual((await send(chunked(form(LIMIT)))).json, { data: { size: LIMIT } }, 'exactly the limit is taken');
  });

  it('answers an upload its resolver refuses unread, reading the rest of the body (the client gets the answer, not a reset)', async () => {
    const reply = await send({ method: 'POST', body: form(LIMIT, 'mutation ($file: File!) { refuse(file: $file) }') });
    assert.equal(reply.json.errors?.[0]?.extensions?.code, 'UNSUPPORTED_MEDIA');
  });

  it('limits any other body to MAX_BODY_BYTES: by its declared length, or as it arrives', async () => {
    const text = 'x'.repeat(MAX_BODY_BYTES);
    const json = JSON.stringify({ query: 'query ($t: String) { echo(text: $t) }', variables: { t: text } });
    const declared = await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
    assert.equal(declared.status, 413);
    assert.equal(declared.json.errors?.[0]?.extensions?.code, 'REQUEST_ENTITY_TOO_LARGE');
    const stream = new Blob([json]).stream();
    const streamed = await send({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal(streamed.json.errors?.[0]?.extensions?.code, 'REQUEST_ENTITY_TOO_LARGE');
    const small = new Blob([JSON.stringify({ query: '{ echo(text: "hi") }' })]).stream();
    assert.deepEqual(
      (await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: small, duplex: 'half' } as RequestInit)).json,
      { data: { echo: 'hi' } },
    );
  });
});
