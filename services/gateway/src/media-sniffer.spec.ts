import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { SNIFF_BYTES, sniffMedia } from './media-sniffer.ts';

const run = promisify(execFile);
const head = (bytes: Uint8Array) => bytes.subarray(0, SNIFF_BYTES);
const picture = () => sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 180, g: 90, b: 30 } } });

/** Deterministic noise: the same "random" bytes on every run, so the test cannot flake. */
function noise(length: number, seed: string): Uint8Array {
  const out = new Uint8Array(length);
  for (let block = 0; block * 32 < length; block++)
    out.set(
      createHash('sha256')
        .update(`${seed}:${block}`)
        .digest()
        .subarray(0, Math.min(32, length - block * 32)),
      block * 32,
    );
  return out;
}

describe('media sniffer: image or video from the first bytes', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-sniff-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A 0.2 s clip as ffmpeg writes it for the container the output name (or `-f`) selects. */
  async function clip(name: string, format?: string): Promise<Uint8Array> {
    const path = join(dir, name);
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=duration=0.2:size=32x32',
      ...(format ? ['-f', format] : []),
      path,
    ]);
    return new Uint8Array(await readFile(path));
  }

  it('recognises the image formats sharp writes', async () => {
    const cases = [
      [await picture().jpeg().toBuffer(), 'jpeg', 'image/jpeg', 'jpg'],
      [await picture().png().toBuffer(), 'png', 'image/png', 'png'],
      [await picture().gif().toBuffer(), 'gif', 'image/gif', 'gif'],
      [await picture().tiff().toBuffer(), 'tiff', 'image/tiff', 'tif'],
      [await picture().webp().toBuffer(), 'webp', 'image/webp', 'webp'],
      [await picture().avif().toBuffer(), 'avif', 'image/avif', 'avif'],
    ] as const;
    for (const [bytes, format, mime, extension] of cases) {
      assert.deepEqual(sniffMedia(head(bytes)), { kind: 'image', format, mime, extension }, format);
    }
  });

  it('recognises HEIC by its ftyp brand', () => {
    // sharp's prebuilt libvips cannot encode HEVC; this is the ftyp box an iPhone writes first.
    const iphone = Buffer.concat([
      Buffer.from('00000018', 'hex'),
      Buffer.from('ftypheic', 'latin1'),
      Buffer.alloc(4),
      Buffer.from('mif1heic', 'latin1'),
      Buffer.alloc(64),
    ]);
    assert.deepEqual(sniffMedia(iphone), { kind: 'image', format: 'heif', mime: 'image/heic', extension: 'heic' });
    const mif1 = Buffer.from(iphone);
    mif1.write('mif1', 8, 'latin1');
    assert.equal(sniffMedia(mif1)?.mime, 'image/heic', 'a generic HEIF major brand is an image too');
  });

  it('recognises the video containers ffmpeg writes', async () => {
    const cases = [
      [await clip('clip.mp4'), 'mp4', 'video/mp4', 'mp4'],
      [await clip('clip.mov'), 'mov', 'video/quicktime', 'mov'],
      [await clip('clip.mkv'), 'matroska', 'video/x-matroska', 'mkv'],
      [await clip('clip.avi'), 'avi', 'video/x-msvideo', 'avi'],
      [await clip('clip.ts'), 'mpegts', 'video/mp2t', 'ts'],
      [await clip('clip.mpg', 'mpeg'), 'mpeg', 'video/mpeg', 'mpg'],
    ] as const;
    for (const [bytes, format, mime, extension] of cases) {
      assert.deepEqual(sniffMedia(head(bytes)), { kind: 'video', format, mime, extension }, format);
    }
  });

  it('refuses BMP, which preprocess cannot decode, so the gateway rejects it up front', async () => {
    const path = join(dir, 'frame.bmp');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=0.2:size=32x32', '-frames:v', '1', path]);
    const bmp = await readFile(path);
    assert.equal(bmp.toString('latin1', 0, 2), 'BM', 'ffmpeg wrote a real BMP');
    await assert.rejects(sharp(bmp).metadata(), 'sharp cannot read it either');
    assert.equal(sniffMedia(head(bmp)), undefined);
  });

  it('refuses text, empty input and noise', () => {
    assert.equal(sniffMedia(new TextEncoder().encode('this is not a picture, whatever its name says')), undefined);
    assert.equal(sniffMedia(new TextEncoder().encode('GIF is a nice format, but this is a sentence about it.')), undefined);
    assert.equal(sniffMedia(new Uint8Array(0)), undefined);
    for (const seed of ['a', 'b', 'c', 'd']) assert.equal(sniffMedia(noise(SNIFF_BYTES, seed)), undefined, `noise ${seed}`);
  });

  it('needs the second packet before calling something MPEG-TS', async () => {
    const ts = head(await clip('short.ts'));
    assert.equal(sniffMedia(ts.subarray(0, 188)), undefined, 'one sync byte is not enough');
    assert.equal(sniffMedia(ts)?.format, 'mpegts');
  });
});
