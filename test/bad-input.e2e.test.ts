import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import type { LocalStack } from '@revive/local-services';
import { query, subscribeWs, uploadFile, MEDIA_FIELDS } from './support/graphql-client.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

// The bad-input suite, end-to-end tier: the inputs only a stage can judge (the gateway sniffs
// the first bytes; preprocess decodes the whole file). Each must end FAILED with a typed code,
// the original kept and nothing else written. The gateway tier (request-level refusals) is
// services/gateway/src/bad-input.spec.ts.

const fixtures = resolve(import.meta.dirname, 'fixtures/images');

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => (bytes.reduce((c, b) => crcTable[(c ^ b) & 0xff]! ^ (c >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0;

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid 1-bit greyscale PNG of width×height zeros: ~100 KB on disk, width×height pixels decoded. */
function pngBomb(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter, no interlace
  const raw = Buffer.alloc(height * (1 + Math.ceil(width / 8)));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', deflateSync(raw, { level: 9 })),
      pngChunk('IEND', new Uint8Array(0)),
    ]),
  );
}

/** A real JPEG whose frame header (SOF) claims width×height. */
function withJpegDimensions(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length;) {
    if (out[i] !== 0xff) throw new Error('not a marker');
    const marker = out[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return new Uint8Array(out);
    }
    i += 2 + out.readUInt16BE(i + 2);
  }
  throw new Error('no SOF marker');
}

describe('bad input end to end: what only the stages can judge ends FAILED with a typed code (real stack)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  let jpeg: Uint8Array;

  before(async () => {
    system = await startTestStack('bad-input', {
      env: {
        REVIVE_ACK_WAIT_SECONDS: '5',
      },
    });
    ({ stack, stateDir } = system);
    jpeg = new Uint8Array(await readFile(join(fixtures, 'garden-410x256.jpg')));
  });
  after(() => system?.stop());

  /** Uploads (the gateway cannot tell yet), waits for the end, and returns the item as GraphQL shows it. */
  async function failedItem(name: string, bytes: Uint8Array) {
    const upload = await uploadFile(stack.graphqlUrl, name, { scale: 2 }, bytes, { token: stack.token });
    assert.equal(upload.errors, undefined, `${name}: ${JSON.stringify(upload.errors)}`);
    const id = upload.data!.uploadMedia.id;
    const messages = await subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token }).done;
    assert.equal(
      messages.at(-1)!.event === 'FAILED' || messages.at(-1)!.media.status === 'FAILED',
      true,
      `${name}: ${JSON.stringify(messages.at(-1))}`,
    );
    const { data } = await query<{
      media: {
        status: string;
        error: { code: string; stage: string; message: string } | null;
        stages: Array<{ stage: string; status: string }>;
        originalUrl: string;
      };
    }>(stack.graphqlUrl, `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} } }`, { id }, { token: stack.token });
    const media = data!.media;
    assert.equal(media.status, 'FAILED');
    assert.equal(media.error?.stage, 'PREPROCESS', JSON.stringify(media.error));
    // The original is kept (it is the family's file); no stage wrote anything beside it.
    const objects = await readdir(join(stateDir, 'objects', 'media', id));
    assert.deepEqual(
      objects.filter((f) => !f.startsWith('original.')),
      [],
      `${name}: only the original is stored: ${objects.join(', ')}`,
    );
    assert.equal((await fetch(media.originalUrl)).status, 200, `${name}: the original stays retrievable`);
    return media;
  }

  it('truncated JPEG: accepted by its header, FAILED in preprocess with UNSUPPORTED_MEDIA', async () => {
    const media = await failedItem('truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
    assert.equal(media.error!.code, 'UNSUPPORTED_MEDIA', JSON.stringify(media.error));
    assert.match(media.error!.message, /corrupt or truncated/);
  });

  /** Uploads a picture whose header is past the pixel limit: refused at once, nothing stored or recorded. */
  async function refusedAtUpload(name: string, bytes: Uint8Array) {
    const before = await readdir(join(stateDir, 'objects', 'media')).catch(() => []);
    const upload = await uploadFile(stack.graphqlUrl, name, { scale: 1 }, bytes, { token: stack.token });
    assert.equal(upload.data?.uploadMedia ?? null, null, `${name}: ${JSON.stringify(upload)}`);
    const error = upload.errors![0]!;
    assert.deepEqual(await readdir(join(stateDir, 'objects', 'media')).catch(() => []), before, `${name}: nothing stored`);
    return error;
  }

  it('PNG decompression bomb (≈50 KB, 20000×20000 pixels): refused at upload with IMAGE_TOO_LARGE, even at scale 1, before decoding', async () => {
    const bomb = pngBomb(20_000, 20_000);
    assert.ok(bomb.length < 1_000_000, `${bomb.length} bytes`);
    const error = await refusedAtUpload('bomb.png', bomb);
    assert.equal(error.extensions?.code, 'IMAGE_TOO_LARGE', JSON.stringify(error));
    assert.match(error.message, /20000x20000 is 400000000 pixels/);
  });

  it('JPEG whose header claims 65000×65000: refused at upload with IMAGE_TOO_LARGE', async () => {
    const error = await refusedAtUpload('giant.jpg', withJpegDimensions(jpeg, 65_000, 65_000));
    assert.equal(error.extensions?.code, 'IMAGE_TOO_LARGE', JSON.stringify(error));
  });

  it('a graphql-ws subscription to a missing or foreign id gets NOT_FOUND; a foreign id reads as missing', async () => {
    const other = await stack.createUser(`other-${randomUUID().slice(0, 8)}`);
    const theirs = await uploadFile(stack.graphqlUrl, 'theirs.jpg', { scale: 2 }, jpeg, { token: other.token });
    const foreignId = theirs.data!.uploadMedia.id;
    for (const id of [randomUUID(), 'not-an-id', foreignId]) {
      await assert.rejects(subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token }).done, /NOT_FOUND/, id);
    }
    const read = await query<{ media: unknown }>(
      stack.graphqlUrl,
      'query ($id: ID!) { media(id: $id) { id } }',
      { id: foreignId },
      { token: stack.token },
    );
    assert.deepEqual(read, { data: { media: null } });
  });
});
