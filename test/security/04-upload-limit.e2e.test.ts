import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, openAsBlob } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import type { LocalStack } from '@revive/local-services';
import { query, uploadForm, uploadHeaders, type CallOptions } from '../support/graphql-client.ts';
import { measurePeakRss, type PeakRss } from '../support/process-memory.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

// Issue 23, point 4. The probe: Yoga's own 25,000,000-byte body limit applied before
// REVIVE_MAX_UPLOAD_BYTES (200 MiB), so a 26 MB upload got 413, and an upload was held in the
// gateway's memory whole. Now the configured limit is the real one, the upload streams to the
// object store, and an upload over the limit gets a typed 413 the client reads.

const MiB = 1024 * 1024;
const LIMIT = 200 * MiB; // the default of REVIVE_MAX_UPLOAD_BYTES: the stack sets none
const artifacts = resolve(import.meta.dirname, '../../test-artifacts');
const JPEG_START = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);

interface Reply {
  status: number;
  json: {
    data?: { uploadMedia?: { id: string; status: string } } | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

/** A file of `bytes` that starts as a JPEG; sparse past its first bytes, so it costs no disk. */
async function jpegOfSize(dir: string, bytes: number): Promise<string> {
  const path = join(dir, `upload-${bytes}.jpg`);
  const file = await open(path, 'w');
  await file.write(JPEG_START, 0, JPEG_START.length, 0);
  await file.truncate(bytes);
  await file.close();
  return path;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Every file under a directory, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('security 4: uploads up to REVIVE_MAX_UPLOAD_BYTES stream to the store; past it, a typed 413 the client reads (real stack)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let objectsDir: string;
  let filesDir: string;
  let call: CallOptions;
  const figures: Record<string, unknown> = {};

  before(async () => {
    filesDir = await mkdtemp(join(tmpdir(), 'revive-security-4-files-'));
    system = await startTestStack('security-4-upload-limit');
    stack = system.stack;
    objectsDir = join(stack.env.REVIVE_STATE_DIR!, 'objects');
    call = { token: stack.token };
    // The uploads are zeros behind a JPEG header: preprocess would only fail them. Held, it
    // leaves the machine (and the memory figures) to the gateway.
    stack.services.preprocess.pause();
  });
  after(async () => {
    stack?.services.preprocess.resume();
    await system?.stop();
    await mkdir(artifacts, { recursive: true });
    await writeFile(join(artifacts, 'security-4-upload-memory.json'), `${JSON.stringify(figures, null, 2)}\n`);
    if (filesDir) await rm(filesDir, { recursive: true, force: true });
  });

  async function upload(path: string): Promise<Reply> {
    const response = await fetch(stack.graphqlUrl, {
      method: 'POST',
      body: uploadForm('scan.jpg', await openAsBlob(path)),
      headers: uploadHeaders(call),
    });
    return { status: response.status, json: (await response.json()) as Reply['json'] };
  }

  const mediaCount = async () =>
    (await query<{ medias: { edges: unknown[] } }>(stack.graphqlUrl, '{ medias(first: 100) { edges { cursor } } }', {}, call)).data!.medias
      .edges.length;

  for (const megabytes of [30, 150]) {
    it(`accepts a ${megabytes} MB upload (over Yoga's 25 MB default), stored byte for byte, the gateway's memory bounded`, async () => {
      const path = await jpegOfSize(filesDir, megabytes * 1_000_000);
      const { result: reply, memory } = await measurePeakRss(stack.services.gateway.pid!, () => upload(path));
      assert.equal(reply.status, 200, JSON.stringify(reply.json));
      assert.equal(reply.json.errors, undefined, JSON.stringify(reply.json.errors));
      const id = reply.json.data!.uploadMedia!.id;
      const stored = join(objectsDir, 'media', id, 'original.jpg');
      assert.equal((await stat(stored)).size, megabytes * 1_000_000);
      assert.equal(await sha256(stored), await sha256(path), 'the original is the upload, byte for byte');
      report(`${megabytes}MB`, memory);
      // Buffered, the gateway would hold the whole upload at once (and more); streamed, a few parts
      // of it. The 30 MB figure is only recorded: at that size the two are not told apart.
      const growth = memory.peakBytes - memory.baselineBytes;
      if (megabytes >= 100)
        assert.ok(growth < (megabytes * 1_000_000) / 2, `peak RSS grew ${(growth / MiB).toFixed(1)} MiB during a ${megabytes} MB upload`);
      await rm(path);
    });
  }

  it('answers a declared length over the limit with a typed 413 before reading it: the client reads it, no broken pipe', async () => {
    const before = await mediaCount();
    const path = await jpegOfSize(filesDir, LIMIT + 10 * MiB);
    const reply = await upload(path);
    assert.equal(reply.status, 413, JSON.stringify(reply.json));
    assert.equal(reply.json.errors?.[0]?.extensions?.code, 'UPLOAD_TOO_LARGE');
    assert.equal(reply.json.errors?.[0]?.extensions?.limitBytes, LIMIT);
    assert.match(reply.json.errors![0]!.message, new RegExp(`${LIMIT}`));
    assert.equal(await mediaCount(), before);
    await rm(path);
  });

  it('answers an upload one byte over the limit, refused as it streams, with the same 413, and keeps nothing of it', async () => {
    const before = await mediaCount();
    const path = await jpegOfSize(filesDir, LIMIT + 1);
    const reply = await upload(path);
    assert.equal(reply.status, 413, JSON.stringify(reply.json));
    assert.equal(reply.json.errors?.[0]?.extensions?.code, 'UPLOAD_TOO_LARGE');
    assert.equal(reply.json.errors?.[0]?.extensions?.limitBytes, LIMIT);
    assert.equal(await mediaCount(), before, 'nothing recorded');
    await rm(path);
  });

  it('answers a chunked upload (no declared length) that passes the limit with a typed 413 that a raw HTTP client reads after sending it all', async () => {
    const before = await mediaCount();
    const path = await jpegOfSize(filesDir, LIMIT + 2 * MiB);
    const form = new Request(stack.graphqlUrl, { method: 'POST', body: uploadForm('scan.jpg', await openAsBlob(path)) });
    const reply = await new Promise<{ status: number; body: string; sent: number }>((done, fail) => {
      let sent = 0;
      const req = request(
        stack.graphqlUrl,
        {
          method: 'POST',
          headers: { ...uploadHeaders(call), 'content-type': form.headers.get('content-type')!, 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => done({ status: res.statusCode!, body, sent }));
        },
      );
      req.on('error', fail);
      void (async () => {
        for await (const chunk of form.body as unknown as AsyncIterable<Uint8Array>) {
          sent += chunk.length;
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })().catch(fail);
    });
    assert.equal(reply.status, 413, reply.body);
    const json = JSON.parse(reply.body) as Reply['json'];
    assert.equal(json.errors?.[0]?.extensions?.code, 'UPLOAD_TOO_LARGE');
    assert.ok(reply.sent > LIMIT, 'the client sent its whole body without a reset');
    assert.equal(await mediaCount(), before);
    const partials = (await filesUnder(objectsDir)).filter((f) => f.endsWith('.partial'));
    assert.deepEqual(partials, [], 'no partial object left behind');
    await rm(path);
  });

  function report(name: string, memory: PeakRss): void {
    figures[name] = {
      limitBytes: LIMIT,
      baselineMiB: +(memory.baselineBytes / MiB).toFixed(1),
      peakMiB: +(memory.peakBytes / MiB).toFixed(1),
      growthMiB: +((memory.peakBytes - memory.baselineBytes) / MiB).toFixed(1),
      method: memory.method,
      samples: memory.samples,
    };
    console.log(`gateway RSS during the ${name} upload: ${JSON.stringify(figures[name])}`);
  }
});
