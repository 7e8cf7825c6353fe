import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ResultDownloadError } from './errors.ts';
import { extensionOf, mediaTypeOf } from './media-types.ts';
import { downloadResult, resolveResultUrl, resultFilename } from './result-file.ts';

describe('result file naming', () => {
  const url = (href: string) => new URL(href);

  it('names results <input>.revive.<ext from content type>', () => {
    assert.equal(resultFilename('/photos/grandma.jpg', 'image/png', url('http://g/r/abc')), 'grandma.revive.png');
    assert.equal(resultFilename('clip.MOV', 'video/mp4; codecs="avc1"', url('http://g/r/abc')), 'clip.revive.mp4');
  });

  it('falls back to the URL path, then the input extension, then bin', () => {
    assert.equal(
      resultFilename('a.jpg', 'application/octet-stream', url('http://s3/b/result.webp?X-Amz-Signature=ab.cd')),
      'a.revive.webp',
    );
    assert.equal(resultFilename('a.jpg', null, url('http://g/results/abc')), 'a.revive.jpg');
    assert.equal(resultFilename('scan', null, url('http://g/results/abc')), 'scan.revive.bin');
    assert.equal(resultFilename('a.tar.gz', null, url('http://g/x.this-is-no-ext')), 'a.tar.revive.gz');
  });

  it('resolves relative result URLs against the gateway origin, not its GraphQL path', () => {
    const api = 'http://127.0.0.1:4000/api/graphql';
    assert.equal(resolveResultUrl('/results/m-1.png', api).href, 'http://127.0.0.1:4000/results/m-1.png');
    assert.equal(resolveResultUrl('results/m-1.png', api).href, 'http://127.0.0.1:4000/results/m-1.png');
    assert.equal(resolveResultUrl('https://cdn.example/m-1.png?sig=1', api).href, 'https://cdn.example/m-1.png?sig=1');
  });

  it('maps media types both ways', () => {
    assert.equal(mediaTypeOf('x/IMG_0001.JPG'), 'image/jpeg');
    assert.equal(mediaTypeOf('home.mkv'), 'video/x-matroska');
    assert.equal(mediaTypeOf('notes.txt'), 'application/octet-stream');
    assert.equal(extensionOf('IMAGE/JPEG'), 'jpg');
    assert.equal(extensionOf('text/html; charset=utf-8'), null);
    assert.equal(extensionOf(null), null);
  });
});

// A plain file server standing in for wherever results are stored; it plays no GraphQL part.
describe('downloadResult', () => {
  let server: Server;
  let base: string;
  let dir: string;
  const seen: IncomingHttpHeaders[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-cli-download-'));
    server = createServer((req, res) => {
      seen.push(req.headers);
      if (req.url?.startsWith('/results/ok')) {
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('PNGDATA'));
      } else {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('expired');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves the body under the derived name and sends the token to the gateway origin only', async () => {
    const out = join(dir, 'nested', 'out');
    const path = await downloadResult({ url: `${base}/graphql`, token: 'tok' }, '/results/ok', 'in/photo.jpg', out);
    assert.equal(path, join(out, 'photo.revive.png'));
    assert.equal(await readFile(path, 'utf8'), 'PNGDATA');
    assert.equal(seen.at(-1)?.authorization, 'Bearer tok');

    // Same server, reached under another origin (as a presigned storage URL would be).
    const other = base.replace('127.0.0.1', 'localhost');
    await downloadResult({ url: `${base}/graphql`, token: 'tok' }, `${other}/results/ok`, 'photo.jpg', out);
    assert.equal(seen.at(-1)?.authorization, undefined);
  });

  it('reports a refused download and leaves no partial file', async () => {
    const out = join(dir, 'refused');
    await assert.rejects(
      downloadResult({ url: `${base}/graphql`, token: null }, '/results/expired', 'photo.jpg', out),
      (err: unknown) => err instanceof ResultDownloadError && /HTTP 403/.test(err.message),
    );
    assert.ok(!existsSync(out) || (await readdir(out)).length === 0);
  });
});
