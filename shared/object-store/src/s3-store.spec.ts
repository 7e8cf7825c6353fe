import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type RunningS3Server } from '@revive/local-services';
import { createObjectStore } from './create-object-store.ts';
import { InvalidObjectKeyError, ObjectNotFoundError, ObjectStoreError } from './object-store.ts';
import { createS3Store, type S3ObjectStore } from './s3-store.ts';

const MiB = 1024 * 1024;
const BUCKET = 'revive-test';

/** Deterministic pseudo-random bytes in uneven chunks, as an upload of unknown length arrives. */
function* noise(total: number): Generator<Buffer> {
  let state = 0x2545f491;
  for (let sent = 0; sent < total;) {
    const chunk = Buffer.alloc(Math.min(61_440 + (sent % 7) * 1_000, total - sent));
    for (let i = 0; i < chunk.length; i++) {
      state = (state * 1_103_515_245 + 12_345) >>> 0;
      chunk[i] = state >>> 24;
    }
    sent += chunk.length;
    yield chunk;
  }
}
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('S3 object store against Swift s3api (real, loopback)', () => {
  let server: RunningS3Server;
  let store: S3ObjectStore;
  let raw: S3Client; // looks behind the adapter: part counts, leftover uploads
  const storeWith = (overrides: Partial<Parameters<typeof createS3Store>[0]> = {}) =>
    createS3Store({
      bucket: BUCKET,
      region: server.region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      partBytes: 5 * MiB,
      ...overrides,
    });

  before(async () => {
    server = await startS3Server();
    store = storeWith();
    await store.ensureBucket();
    raw = new S3Client({
      region: server.region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  after(async () => {
    store?.close();
    raw?.destroy();
    await server?.stop();
  });

  it('creates the bucket idempotently', async () => {
    await store.ensureBucket();
    await store.ensureBucket();
  });

  it('round-trips a buffer with its content type and size', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 10, 13]);
    assert.deepEqual(await store.put('media/a/original.jpg', bytes, { contentType: 'image/jpeg' }), {
      key: 'media/a/original.jpg',
      bytes: 7,
      contentType: 'image/jpeg',
    });
    assert.deepEqual(new Uint8Array(await buffer(await store.get('media/a/original.jpg'))), bytes);
    assert.deepEqual(await store.head('media/a/original.jpg'), { key: 'media/a/original.jpg', bytes: 7, contentType: 'image/jpeg' });
  });

  it('stores a short stream of unknown length in one put', async () => {
    assert.equal((await store.put('media/b/result.txt', Readable.from(['wor', 'ld']), { contentType: 'text/plain' })).bytes, 5);
    assert.equal(await text(await store.get('media/b/result.txt')), 'world');
  });

  it('stores a multi-MB stream of unknown length as a multipart upload, byte-exact', async () => {
    const total = 12 * MiB + 12_345; // three parts, the last one short
    const expected = sha256(Buffer.concat([...noise(total)]));
    const info = await store.put('media/c/video.mp4', Readable.from(noise(total)), { contentType: 'video/mp4' });
    assert.deepEqual(info, { key: 'media/c/video.mp4', bytes: total, contentType: 'video/mp4' });
    assert.deepEqual(await store.head('media/c/video.mp4'), info);
    const { ETag } = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'media/c/video.mp4' }));
    assert.match(ETag ?? '', /-3"$/, 'a three-part multipart object');
    assert.equal(sha256(await buffer(await store.get('media/c/video.mp4'))), expected);
  });

  it('splits one chunk larger than several parts', async () => {
    const big = Buffer.concat([...noise(11 * MiB)]);
    assert.equal((await store.put('media/c/one-chunk.bin', Readable.from([big]))).bytes, big.length);
    assert.equal(sha256(await buffer(await store.get('media/c/one-chunk.bin'))), sha256(big));
  });

  it('leaves nothing under the key when a streamed upload fails midway', async () => {
    const failing = Readable.from(
      (function* () {
        yield* noise(11 * MiB); // two full parts read, so a multipart upload is under way
        throw new Error('client went away');
      })(),
    );
    await assert.rejects(store.put('media/d/original.mov', failing), /client went away/);
    assert.equal(await store.head('media/d/original.mov'), undefined);
    const { Uploads } = await raw.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    assert.deepEqual(Uploads ?? [], [], 'the multipart upload was aborted');
  });

  it('reports missing objects and deletes idempotently', async () => {
    assert.equal(await store.head('media/none/x'), undefined);
    await assert.rejects(store.get('media/none/x'), ObjectNotFoundError);
    await store.put('media/e/x', new Uint8Array([1]));
    await store.delete('media/e/x');
    await store.delete('media/e/x');
    assert.equal(await store.head('media/e/x'), undefined);
    await assert.rejects(store.get('media/e/x'), ObjectNotFoundError);
  });

  it('lists the keys under a folder at any depth, and nothing of a folder sharing its name prefix', async () => {
    const keys = Array.from({ length: 3 }, (_, i) => `media/g/chunk-${i}`).concat('media/g/sub/deep.json');
    for (const key of keys) await store.put(key, new Uint8Array([1]));
    await store.put('media/gh/other', new Uint8Array([1]));
    const listed: string[] = [];
    for await (const key of store.list('media/g/')) listed.push(key);
    assert.deepEqual(listed.sort(), keys.sort());
  });

  it('refuses invalid keys before any request', async () => {
    for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/../b', 'a/./b', '', 'sp ace']) {
      await assert.rejects(store.put(key, new Uint8Array([1])), InvalidObjectKeyError, key);
      await assert.rejects(store.get(key), InvalidObjectKeyError, key);
      await assert.rejects(store.head(key), InvalidObjectKeyError, key);
      await assert.rejects(store.delete(key), InvalidObjectKeyError, key);
      await assert.rejects(store.signedUrl(key, 60), InvalidObjectKeyError, key);
    }
  });

  it('presigns GET URLs that plain fetch can follow, and the server checks their signature', async () => {
    const bytes = Buffer.from('restored pixels');
    await store.put('media/f/result.png', bytes, { contentType: 'image/png' });
    const url = await store.signedUrl('media/f/result.png', 300);
    assert.ok(url);
    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await ok.arrayBuffer()), bytes);

    const signed = new URL(url);
    const signature = signed.searchParams.get('X-Amz-Signature')!;
    signed.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    const tampered = await fetch(signed);
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /SignatureDoesNotMatch/);
  });

  it('fails non-retryably with a wrong secret (real v4 signature check)', async () => {
    const impostor = storeWith({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'not-the-secret' } });
    try {
      const error: unknown = await impostor.put('media/g/x', new Uint8Array([1])).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ObjectStoreError, String(error));
      assert.equal(error.retryable, false);
      assert.match(error.message, /HTTP 403/);
    } finally {
      impostor.close();
    }
  });

  it('fails retryably when the server cannot be reached', async () => {
    const unreachable = storeWith({ endpoint: 'http://127.0.0.1:9' });
    try {
      const error: unknown = await unreachable.head('media/h/x').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ObjectStoreError, String(error));
      assert.equal(error.retryable, true);
    } finally {
      unreachable.close();
    }
  });

  it('is what createObjectStore builds from an s3 store config', async () => {
    const fromConfig = createObjectStore(
      { kind: 's3', bucket: BUCKET, region: server.region, endpoint: server.endpoint, forcePathStyle: true, presignTtlSeconds: 900 },
      { credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } },
    );
    try {
      await fromConfig.ensureBucket();
      assert.equal(await text(await fromConfig.get('media/b/result.txt')), 'world');
    } finally {
      fromConfig.close();
    }
  });
});
