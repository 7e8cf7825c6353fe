import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { messageId, parseEvent, Subjects, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import { ItemCancelledError, type Outcome } from '@revive/messaging';
import { createFilesystemStore, ObjectStoreError, type ObjectStore } from '@revive/object-store';
import { createPreprocessHandlers, type PreprocessHandlers } from './handler.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('preprocess-test', 'silent');
/** The platform's default: 16384x16384 restored pixels. */
const imageOutput = { maxOutputPixels: 2 ** 28 };
type Uploaded = EventOf<typeof Subjects.imageUploaded>;

const context = (signal?: AbortSignal) => recordingContext('preprocess', signal);

function done(outcome: Outcome) {
  assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1);
  return outcome.next[0]!;
}

function rejected(outcome: Outcome, code: string, reason?: RegExp): void {
  assert.equal(outcome.kind, 'reject', JSON.stringify(outcome));
  assert.ok(outcome.kind === 'reject');
  assert.equal(outcome.code, code, outcome.reason);
  if (reason) assert.match(outcome.reason, reason);
}

/** Inserts an EXIF APP1 segment holding only an Orientation tag (sharp writes one only with an sRGB conversion). */
function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const tiff = [0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0];
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from(tiff)]);
  const length = Buffer.from([(body.length + 2) >> 8, (body.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, body, jpeg.subarray(2)]);
}

/** 48x32 pixels whose colour varies at equal brightness, unlike any toned print. */
function colourPixels(channels: 3 | 4): Buffer {
  const px = Buffer.alloc(48 * 32 * channels);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 48; x++) {
      const p = (y * 48 + x) * channels;
      px.set([x * 5, y * 8, 255 - x * 5], p);
      if (channels === 4) px[p + 3] = x < 24 ? 255 : 96;
    }
  }
  return px;
}

describe('preprocess handlers', () => {
  let dir: string;
  let store: ObjectStore;
  let handlers: PreprocessHandlers;
  let greyJpeg: Buffer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-preprocess-spec-'));
    store = createFilesystemStore(join(dir, 'objects'));
    handlers = createPreprocessHandlers({ store, log, maxInputPixels: 1e7, imageOutput, tmpDir: dir });
    const grey = Buffer.from(Array.from({ length: 48 * 32 }, (_, i) => (i % 48) * 5));
    greyJpeg = withOrientation(
      await sharp(grey, { raw: { width: 48, height: 32, channels: 1 } })
        .toColourspace('b-w')
        .jpeg()
        .toBuffer(),
      6,
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function upload(
    bytes: Uint8Array,
    contentType = 'image/jpeg',
    subject: typeof Subjects.imageUploaded | typeof Subjects.videoUploaded = Subjects.imageUploaded,
  ): Promise<Uploaded> {
    const mediaId = randomUUID();
    const originalKey = `media/${mediaId}/original`;
    await store.put(originalKey, bytes, { contentType });
    return parseEvent(subject, {
      mediaId,
      options: {},
      at: new Date().toISOString(),
      originalKey,
      filename: 'upload.bin',
      contentType,
      bytes: Math.max(1, bytes.length),
    });
  }

  it('turns a grey JPEG by its EXIF orientation, writes an sRGB PNG and flags it monochrome', async () => {
    assert.deepEqual(
      await sharp(greyJpeg)
        .metadata()
        .then((m) => [m.width, m.height, m.orientation, m.channels]),
      [48, 32, 6, 1],
    );
    const event = await upload(greyJpeg);
    const ctx = context();
    const next = done(await handlers.image(event, ctx));
    assert.equal(next.subject, Subjects.imagePreprocessed);
    assert.equal(next.msgID, messageId(event.mediaId, 'preprocess'));
    const out = parseEvent(Subjects.imagePreprocessed, next.payload);
    assert.deepEqual([out.key, out.width, out.height, out.isMonochrome], [`media/${event.mediaId}/preprocessed.png`, 32, 48, true]);
    const meta = await sharp(await buffer(await store.get(out.key))).metadata();
    assert.deepEqual(
      [meta.format, meta.width, meta.height, meta.channels, meta.depth, meta.orientation, meta.icc],
      ['png', 32, 48, 3, 'uchar', undefined, undefined],
    );
    assert.equal((await store.head(out.key))?.contentType, 'image/png');
    // The preview of the upright picture: a small picture is never enlarged.
    assert.deepEqual(out.preview, { key: `media/${event.mediaId}/original-preview.webp`, width: 32, height: 48 });
    const preview = await sharp(await buffer(await store.get(out.preview.key))).metadata();
    assert.deepEqual([preview.format, preview.width, preview.height], ['webp', 32, 48]);
    assert.equal((await store.head(out.preview.key))?.contentType, 'image/webp');
    assert.deepEqual(ctx.seen.at(-1), [4, 4, 'steps']);
    assert.ok(ctx.beats >= 4);
  });

  it('calls a colour PNG colour and keeps its alpha', async () => {
    const png = await sharp(colourPixels(4), { raw: { width: 48, height: 32, channels: 4 } })
      .png()
      .toBuffer();
    const out = parseEvent(Subjects.imagePreprocessed, done(await handlers.image(await upload(png, 'image/png'), context())).payload);
    assert.deepEqual([out.width, out.height, out.isMonochrome], [48, 32, false]);
    const meta = await sharp(await buffer(await store.get(out.key))).metadata();
    assert.deepEqual([meta.channels, meta.hasAlpha], [4, true]);
  });

  it('converts a wide-gamut (Display P3) JPEG to sRGB and drops the profile', async () => {
    const p3 = await sharp(colourPixels(3), { raw: { width: 48, height: 32, channels: 3 } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    assert.ok((await sharp(p3).metadata()).icc, 'the fixture carries a profile');
    const out = parseEvent(Subjects.imagePreprocessed, done(await handlers.image(await upload(p3), context())).payload);
    assert.equal((await sharp(await buffer(await store.get(out.key))).metadata()).icc, undefined);
  });

  it('refuses text, empty files and truncated JPEGs as UNSUPPORTED_MEDIA', async () => {
    rejected(
      await handlers.image(await upload(new TextEncoder().encode('not a photo, just text\n'), 'image/jpeg'), context()),
      'UNSUPPORTED_MEDIA',
      /not an image/,
    );
    rejected(await handlers.image(await upload(new Uint8Array(0)), context()), 'UNSUPPORTED_MEDIA', /empty/);
    rejected(await handlers.image(await upload(greyJpeg.subarray(0, 200)), context()), 'UNSUPPORTED_MEDIA', /corrupt/);
    // Cut inside the scan data: the header reads fine, the pixels do not.
    const noise = Buffer.from(Array.from({ length: 480 * 320 }, (_, i) => (i * 7919) % 251));
    const big = await sharp(noise, { raw: { width: 480, height: 320, channels: 1 } })
      .jpeg()
      .toBuffer();
    rejected(await handlers.image(await upload(big.subarray(0, big.length >> 1)), context()), 'UNSUPPORTED_MEDIA', /corrupt or truncated/);
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>');
    rejected(await handlers.image(await upload(svg, 'image/svg+xml'), context()), 'UNSUPPORTED_MEDIA', /svg/);
  });

  it('refuses images over the pixel limit as IMAGE_TOO_LARGE', async () => {
    const small = createPreprocessHandlers({ store, log, maxInputPixels: 1000, imageOutput, tmpDir: dir });
    rejected(await small.image(await upload(greyJpeg), context()), 'IMAGE_TOO_LARGE', /1536 pixels/);
  });

  it('refuses an image whose restored size breaks the output limit as OUTPUT_TOO_LARGE, before writing anything', async () => {
    // 48x32 at the default scale 2 is 96x64 = 6144 restored pixels.
    const capped = createPreprocessHandlers({ store, log, maxInputPixels: 1e7, imageOutput: { maxOutputPixels: 6000 }, tmpDir: dir });
    const event = await upload(greyJpeg);
    rejected(await capped.image(event, context()), 'OUTPUT_TOO_LARGE', /48x32 at scale 2 makes 96x64 \(6144 pixels\); the limit is 6000/);
    assert.equal(await store.head(`media/${event.mediaId}/preprocessed.png`), undefined);
    done(await capped.image({ ...event, options: { ...event.options, scale: 1 } }, context()));
  });

  it('stops at the next step once the item is cancelled, and writes nothing', async () => {
    const event = await upload(greyJpeg);
    const cancel = new AbortController();
    const ctx = context(cancel.signal);
    const progress = ctx.progress;
    ctx.progress = (d, t, u) => {
      progress(d, t, u);
      if (d === 1) cancel.abort(new ItemCancelledError(event.mediaId));
    };
    await assert.rejects(handlers.image(event, ctx), ItemCancelledError, 'thrown on for the consumer loop to settle');
    assert.deepEqual(
      ctx.seen.map(([d]) => d),
      [1],
      'no step after the cancel',
    );
    assert.equal(await store.head(`media/${event.mediaId}/preprocessed.png`), undefined);
  });

  it('maps a missing original to INPUT_MISSING and a transient store error to retry', async () => {
    const event = await upload(greyJpeg);
    await store.delete(event.originalKey);
    rejected(await handlers.image(event, context()), 'INPUT_MISSING');
    const flaky: ObjectStore = {
      ...store,
      get: () => Promise.reject(new ObjectStoreError('S3 get failed (HTTP 503)', { retryable: true })),
    };
    const outcome = await createPreprocessHandlers({ store: flaky, log, maxInputPixels: 1e7, imageOutput }).image(event, context());
    assert.deepEqual(outcome, { kind: 'retry', reason: 'S3 get failed (HTTP 503)' });
  });

  it('emits the same next event when the upload is delivered twice', async () => {
    const event = await upload(greyJpeg);
    const first = done(await handlers.image(event, context()));
    const second = done(await handlers.image(event, context()));
    const { at: _a, ...one } = first.payload as Record<string, unknown>;
    const { at: _b, ...two } = second.payload as Record<string, unknown>;
    // `at` is the completion time; JetStream drops the second publish by its msgID anyway.
    assert.deepEqual([second.subject, second.msgID, two], [first.subject, first.msgID, one]);
  });

  describe('videos', () => {
    const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
    let colourWithAudio: Buffer;
    let greyRotated: Buffer;
    before(async () => {
      const withAudio = join(dir, 'colour.mp4');
      ffmpeg(
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=64x48:rate=10:duration=1',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:duration=1',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-shortest',
        withAudio,
      );
      const grey = join(dir, 'grey.mp4');
      ffmpeg(
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=64x48:rate=10:duration=1',
        '-vf',
        'hue=s=0',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        grey,
      );
      // ffmpeg 5.1 writes a display matrix only when remuxing with the rotate tag.
      const rotated = join(dir, 'grey-rotated.mp4');
      ffmpeg('-i', grey, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated);
      [colourWithAudio, greyRotated] = await Promise.all([readFile(withAudio), readFile(rotated)]);
    });

    it('describes a video: size, frames, rate, audio, colour; a short one is a single chunk', async () => {
      const event = await upload(colourWithAudio, 'video/mp4', Subjects.videoUploaded);
      const ctx = context();
      const next = done(await handlers.video(event, ctx));
      assert.deepEqual([next.subject, next.msgID], [Subjects.videoPreprocessed, messageId(event.mediaId, 'preprocess', 0)]);
      const out = parseEvent(Subjects.videoPreprocessed, next.payload);
      assert.deepEqual(
        [out.originalKey, out.width, out.height, out.frames, out.fps, out.frameRate, out.hasAudio, out.isMonochrome],
        [event.originalKey, 64, 48, 10, 10, '10/1', true, false],
      );
      assert.deepEqual(out.chunk, { index: 0, count: 1, startSeconds: 0, durationSeconds: 1, frames: 10, firstFrame: 0, overlapFrames: 0 });
      assert.equal(out.key, `media/${event.mediaId}/preprocess/chunk-00000.mkv`);
      // A frame of the video as the preview: the middle one, the frame publish makes the result's poster of.
      assert.deepEqual(out.preview, { key: `media/${event.mediaId}/original-preview.webp`, width: 64, height: 48 });
      const preview = await sharp(await buffer(await store.get(out.preview.key))).metadata();
      assert.deepEqual([preview.format, preview.width, preview.height], ['webp', 64, 48]);
      assert.deepEqual(ctx.seen.at(-1), [10, 10, 'frames']);
    });

    it('applies the container rotation and sees a grey film as monochrome', async () => {
      const out = parseEvent(
        Subjects.videoPreprocessed,
        done(await handlers.video(await upload(greyRotated, 'video/mp4', Subjects.videoUploaded), context())).payload,
      );
      assert.deepEqual([out.width, out.height, out.hasAudio, out.isMonochrome], [48, 64, false, true]);
    });

    it('refuses what is not a video, and media uploaded under the other kind', async () => {
      const text = new TextEncoder().encode('hello, I am not a video\n');
      rejected(
        await handlers.video(await upload(text, 'video/mp4', Subjects.videoUploaded), context()),
        'UNSUPPORTED_MEDIA',
        /not a video/,
      );
      rejected(
        await handlers.video(await upload(greyJpeg, 'video/mp4', Subjects.videoUploaded), context()),
        'UNSUPPORTED_MEDIA',
        /jpeg image, not a video/,
      );
      rejected(
        await handlers.image(await upload(colourWithAudio, 'image/jpeg'), context()),
        'UNSUPPORTED_MEDIA',
        /is a video \(mov,mp4.*h264\)/,
      );
      const truncated = colourWithAudio.subarray(0, 600);
      rejected(await handlers.video(await upload(truncated, 'video/mp4', Subjects.videoUploaded), context()), 'UNSUPPORTED_MEDIA');
    });
  });
});
