import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { repoRoot } from '@revive/config';
import { InvalidImageError } from './errors.ts';
import { encodeWebpPreview, PREVIEW_MAX_SIDE } from './preview.ts';

const garden = resolve(repoRoot, 'test/fixtures/images/garden-410x256.jpg');

const isWebp = (data: Uint8Array) =>
  Buffer.from(data.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(data.subarray(8, 12)).toString('latin1') === 'WEBP';

describe('encodeWebpPreview', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'revive-preview-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('shrinks a large photo to 480 px on its long side, keeping its shape, as a small WebP', async () => {
    // The garden enlarged to 2050x1280: a camera-sized picture with real detail to compress.
    const big = join(dir, 'big.png');
    await sharp(garden).resize(2050, 1280).png().toFile(big);
    const preview = await encodeWebpPreview(big);
    assert.equal(preview.width, PREVIEW_MAX_SIDE);
    assert.equal(preview.height, Math.round((1280 * PREVIEW_MAX_SIDE) / 2050));
    assert.ok(isWebp(preview.data));
    const meta = await sharp(preview.data).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', preview.width, preview.height]);
    // 50 items with two previews each must stay well under the page's 3 MB.
    assert.ok(preview.data.byteLength < 30_000, `preview is ${preview.data.byteLength} bytes`);
  });

  it('never enlarges a picture already smaller than a preview', async () => {
    const preview = await encodeWebpPreview(garden);
    assert.deepEqual([preview.width, preview.height], [410, 256]);
  });

  it('shrinks a tall picture by its height', async () => {
    const tall = join(dir, 'tall.png');
    await sharp(garden).resize(300, 900, { fit: 'fill' }).png().toFile(tall);
    const preview = await encodeWebpPreview(tall);
    assert.deepEqual([preview.width, preview.height], [160, PREVIEW_MAX_SIDE]);
  });

  it('encodes raw RGB pixels (a video frame)', async () => {
    const [width, height] = [640, 360];
    const pixels = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i % 3 === 0 ? (i / 3) % 256 : 90));
    const preview = await encodeWebpPreview({ pixels, width, height, channels: 3 });
    assert.deepEqual([preview.width, preview.height], [480, 270]);
    assert.ok(isWebp(preview.data));
  });

  it('refuses a file that is no image with a typed error', async () => {
    await assert.rejects(encodeWebpPreview(join(dir, 'missing.png')), InvalidImageError);
  });
});
