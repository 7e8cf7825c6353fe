import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphQLError } from 'graphql';
import sharp from 'sharp';
import { sparsePng } from '@revive/testing';
import { IMAGE_HEADER_BYTES, refuseOversizedImage, videoLimitError } from './output-size-check.ts';

const limits = { maxOutputPixels: 2 ** 28 };
const options = (scale: 1 | 2 | 4) => ({ scale, colorize: 'auto', repair: 'auto', frameRateFactor: 2 }) as const;

describe('output size at upload', () => {
  it('refuses a 31 KB PNG of 16000x16000 at x4 from its first bytes with OUTPUT_TOO_LARGE, and passes it at x1', async () => {
    const bomb = sparsePng(16000, 16000);
    assert.ok(bomb.length < 40_000, `${bomb.length} bytes`);
    const head = bomb.subarray(0, IMAGE_HEADER_BYTES);
    await assert.rejects(refuseOversizedImage(head, options(4), limits), (error: GraphQLError) => {
      assert.equal(error.extensions.code, 'OUTPUT_TOO_LARGE');
      assert.equal(error.extensions.limitPixels, 2 ** 28);
      assert.match(error.message, /16000x16000 at scale 4 makes 64000x64000 \(4096000000 pixels\)/);
      return true;
    });
    await refuseOversizedImage(head, options(1), limits);
  });

  it('reads a JPEG header behind its EXIF segment, and leaves what it cannot read to preprocess', async () => {
    const jpeg = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .withExif({ IFD0: { ImageDescription: 'x'.repeat(20_000) } })
      .jpeg()
      .toBuffer();
    await assert.rejects(refuseOversizedImage(jpeg.subarray(0, IMAGE_HEADER_BYTES), options(4), { maxOutputPixels: 1e8 }), {
      extensions: { code: 'OUTPUT_TOO_LARGE', reason: 'OUTPUT_TOO_LARGE', limitPixels: 1e8 },
    });
    await refuseOversizedImage(jpeg.subarray(0, 100), options(4), { maxOutputPixels: 1e8 });
    await refuseOversizedImage(new TextEncoder().encode('not an image at all'), options(4), limits);
  });

  it("answers a video's output-size limits with OUTPUT_TOO_LARGE and its other limits with BAD_USER_INPUT", () => {
    assert.deepEqual(videoLimitError({ code: 'VIDEO_TOO_LARGE', message: 'big' }).extensions, {
      code: 'OUTPUT_TOO_LARGE',
      reason: 'VIDEO_TOO_LARGE',
    });
    assert.deepEqual(videoLimitError({ code: 'OUTPUT_TOO_LARGE', message: 'long and big' }).extensions.code, 'OUTPUT_TOO_LARGE');
    assert.deepEqual(videoLimitError({ code: 'VIDEO_TOO_LONG', message: 'long' }).extensions, {
      code: 'BAD_USER_INPUT',
      reason: 'VIDEO_TOO_LONG',
    });
  });
});
