import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { repoRoot } from '@revive/config';
import { InvalidImageError } from './errors.ts';
import { openImageFile } from './image-file-source.ts';
import { convertImageStream, DOWNLOAD_CONTENT_TYPES, type DownloadImageFormat } from './convert-stream.ts';
import { createPngSink } from './png-sink.ts';

const fixture = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');
const limits = { maxPixels: 50_000_000 };

function pattern(width: number, height: number, channels: number): Uint8Array {
  return Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 31 + (i >> 7) * 17) & 0xff);
}

describe('image-io', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'revive-image-io-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  for (const channels of [1, 2, 3, 4] as const) {
    it(`streams a ${channels}-channel PNG band by band that decoders read back exactly`, async () => {
      const [w, h] = [37, 29];
      const pixels = pattern(w, h, channels);
      const path = join(dir, `roundtrip-${channels}.png`);
      const sink = await createPngSink(path, w, h, channels);
      await sink.writeRows(pixels.subarray(0, 10 * w * channels), 10);
      assert.ok(!existsSync(path), 'the final name appears only when complete');
      await sink.writeRows(pixels.subarray(10 * w * channels), h - 10);
      await sink.end();
      const meta = await sharp(path).metadata();
      assert.deepEqual([meta.width, meta.height, meta.channels], [w, h, channels]);
      // sharp decodes to sRGB(A) unless told to keep grey; grey+alpha is compared as its RGBA decode.
      const decoder = channels === 1 ? sharp(path).toColourspace('b-w') : sharp(path);
      const { data, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
      const decoded =
        channels === 2 ? Uint8Array.from({ length: w * h * 2 }, (_, i) => data[(i >> 1) * 4 + (i & 1 ? 3 : 0)]!) : new Uint8Array(data);
      assert.equal(info.channels, channels === 2 ? 4 : channels);
      assert.deepEqual(decoded, pixels);
    });
  }

  it('removes an aborted PNG instead of leaving half a file', async () => {
    const path = join(dir, 'aborted.png');
    const sink = await createPngSink(path, 8, 8, 3);
    await sink.writeRows(pattern(8, 4, 3), 4);
    await sink.abort();
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.startsWith('aborted')),
      [],
    );
  });

  it('reads an image in bands that equal the decoded image', async () => {
    const source = await openImageFile(fixture, limits);
    try {
      assert.deepEqual([source.width, source.height, source.channels, source.format, source.hasAlpha], [410, 256, 3, 'jpeg', false]);
      const whole = new Uint8Array(await sharp(fixture).raw().toBuffer());
      const band = await source.readRows(100, 140);
      assert.deepEqual(band, whole.subarray(100 * 410 * 3, 140 * 410 * 3));
    } finally {
      await source.close();
    }
  });

  it('keeps grey images grey', async () => {
    const grey = join(dir, 'grey.jpg');
    await sharp(fixture).toColourspace('b-w').jpeg().toFile(grey);
    const source = await openImageFile(grey, limits);
    try {
      assert.deepEqual([source.width, source.height, source.channels], [410, 256, 1]);
      const band = await source.readRows(10, 20);
      assert.equal(band.length, 410 * 10);
      assert.deepEqual(band, new Uint8Array(await sharp(grey).toColourspace('b-w').raw().toBuffer()).subarray(10 * 410, 20 * 410));
    } finally {
      await source.close();
    }
  });

  it('applies EXIF orientation, as phones store portrait photos', async () => {
    const rotated = join(dir, 'rotated.jpg');
    await sharp(fixture).withMetadata({ orientation: 6 }).jpeg().toFile(rotated);
    const source = await openImageFile(rotated, limits);
    try {
      assert.deepEqual([source.width, source.height, source.channels], [256, 410, 3]);
    } finally {
      await source.close();
    }
  });

  const expectInvalid = (code: InvalidImageError['code'], pattern: RegExp) => (e: unknown) => {
    assert.ok(e instanceof InvalidImageError, `expected InvalidImageError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };

  it('refuses an empty file', async () => {
    const path = join(dir, 'empty.jpg');
    await writeFile(path, '');
    await assert.rejects(openImageFile(path, limits), expectInvalid('EMPTY_UPLOAD', /the file is empty/));
  });

  it('refuses a file that is not an image whatever its name', async () => {
    const path = join(dir, 'notes.png');
    await writeFile(path, 'dear diary, today we went to the seaside\n'.repeat(20));
    await assert.rejects(openImageFile(path, limits), expectInvalid('UNSUPPORTED_MEDIA', /not an image format Revive can read/));
  });

  it('refuses a truncated JPEG as corrupt', async () => {
    const bytes = await readFile(fixture);
    const path = join(dir, 'truncated.jpg');
    await writeFile(path, bytes.subarray(0, bytes.length >> 1));
    await assert.rejects(openImageFile(path, limits), expectInvalid('CORRUPT_IMAGE', /corrupt or truncated/));
  });

  it('refuses an image over the pixel limit before decoding it', async () => {
    // A flat PNG compresses to almost nothing whatever its size: the classic decompression bomb.
    const path = join(dir, 'bomb.png');
    await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#808080' } })
      .png()
      .toFile(path);
    await assert.rejects(
      openImageFile(path, { maxPixels: 5_000_000 }),
      expectInvalid('IMAGE_TOO_LARGE', /3000x2000 exceeds the limit of 5000000 pixels/),
    );
  });

  it('re-encodes an image as it streams through, as JPEG (alpha onto white), WebP or PNG, at the quality asked', async () => {
    const input = await sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0 } } })
      .png()
      .toBuffer();
    const convert = async (format: DownloadImageFormat, quality: number) =>
      Buffer.concat(
        await Readable.from([input.subarray(0, 10), input.subarray(10)])
          .pipe(convertImageStream(format, quality))
          .toArray(),
      );
    const jpeg = await convert('jpeg', 90);
    const meta = await sharp(jpeg).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.hasAlpha], ['jpeg', 64, 48, false]);
    const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[0]! > 240 && data[1]! > 240, 'transparent pixels become white');
    assert.equal((await sharp(await convert('webp', 80)).metadata()).format, 'webp');
    assert.equal((await sharp(await convert('png', 90)).metadata()).format, 'png');
    assert.equal(DOWNLOAD_CONTENT_TYPES.webp, 'image/webp');
  });
});
