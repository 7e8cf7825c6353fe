import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputSizeProblemOf, outputSizeProblems, restoredSize } from './output-size.ts';
import { Subjects } from './pipeline-names.ts';

const limits = { image: { maxOutputPixels: 2 ** 28 }, video: { maxOutputPixels: 3840 * 2160, maxTotalPixels: 1e10 } };
const options = { scale: 4, frameRateFactor: 2 } as const;

describe('output size', () => {
  it('grows sides by scale and frames by frameRateFactor until the stage applying each has run', () => {
    assert.deepEqual(restoredSize('image', { width: 100, height: 50 }, options), { width: 400, height: 200, frames: 1 });
    assert.deepEqual(restoredSize('image', { width: 100, height: 50 }, options, 'colorize'), { width: 400, height: 200, frames: 1 });
    assert.deepEqual(restoredSize('image', { width: 400, height: 200 }, options, 'superres'), { width: 400, height: 200, frames: 1 });
    assert.deepEqual(restoredSize('video', { width: 10, height: 10, frames: 30 }, options, 'repair'), {
      width: 40,
      height: 40,
      frames: 60,
    });
    assert.deepEqual(restoredSize('video', { width: 40, height: 40, frames: 30 }, options, 'superres'), {
      width: 40,
      height: 40,
      frames: 60,
    });
    assert.deepEqual(restoredSize('video', { width: 40, height: 40, frames: 60 }, options, 'interpolate'), {
      width: 40,
      height: 40,
      frames: 60,
    });
  });

  it('refuses a 16000x16000 image at x4 (4 gigapixels) and passes it at x1', () => {
    const [problem, ...rest] = outputSizeProblems('image', { width: 16000, height: 16000 }, options, limits.image);
    assert.equal(rest.length, 0);
    assert.equal(problem?.code, 'OUTPUT_TOO_LARGE');
    assert.match(problem!.message, /16000x16000 at scale 4 makes 64000x64000 \(4096000000 pixels\); the limit is 268435456 pixels/);
    assert.deepEqual(outputSizeProblems('image', { width: 16000, height: 16000 }, { scale: 1, frameRateFactor: 2 }, limits.image), []);
  });

  it('caps a video per output frame and over all its output frames', () => {
    const codes = (frames: number, scale: 1 | 2 | 4) =>
      outputSizeProblems('video', { width: 1920, height: 1080, frames }, { scale, frameRateFactor: 4 }, limits.video).map((p) => p.code);
    assert.deepEqual(codes(100, 2), []);
    assert.deepEqual(codes(10, 4), ['VIDEO_TOO_LARGE']);
    assert.deepEqual(codes(700, 2), ['OUTPUT_TOO_LARGE'], '700 frames x4 rate of 3840x2160 is 23 gigapixels');
  });

  it('judges an event from its own fields, after the stage that emitted it; uploads carry no size', () => {
    const image = { mediaId: 'x', options: { ...options, colorize: 'off', repair: 'off' }, width: 16000, height: 16000 };
    assert.equal(outputSizeProblemOf(Subjects.imagePreprocessed, image, limits)?.code, 'OUTPUT_TOO_LARGE');
    assert.equal(outputSizeProblemOf(Subjects.imageSuperResolved, { ...image, width: 16000, height: 1000 }, limits), undefined);
    assert.equal(outputSizeProblemOf(Subjects.imageUploaded, { mediaId: 'x', options }, limits), undefined);
    const video = { mediaId: 'x', options, width: 1920, height: 1080, frames: 700 };
    assert.equal(outputSizeProblemOf(Subjects.videoColorized, { ...video, frames: 100 }, limits)?.code, 'VIDEO_TOO_LARGE');
    assert.equal(outputSizeProblemOf(Subjects.videoInterpolated, video, limits), undefined);
  });
});
