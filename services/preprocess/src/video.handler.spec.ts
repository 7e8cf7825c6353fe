import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { messageId, parseEvent, Subjects, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { download } from '@revive/stage-kit';
import { defaultMediaTools, readFrames } from '@revive/video-io';
import { createPreprocessVideoHandler, DEFAULT_VIDEO_SETTINGS, type PreprocessVideoSettings } from './video.handler.ts';

const log = createLogger('preprocess-video-test', 'silent');
const ctx: HandlerContext = {
  stage: 'preprocess',
  attempt: 1,
  signal: new AbortController().signal,
  heartbeat: () => undefined,
  progress: () => undefined,
};
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
type Preprocessed = EventOf<typeof Subjects.videoPreprocessed>;

function events(outcome: Outcome): Preprocessed[] {
  assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
  return outcome.kind === 'done' ? outcome.next.map((n) => parseEvent(Subjects.videoPreprocessed, n.payload)) : [];
}

describe('preprocess: video chunks', () => {
  let dir: string;
  let store: ObjectStore;
  const clips: Record<string, string> = {};
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-preprocess-video-'));
    store = createFilesystemStore(join(dir, 'objects'));
    const make = (name: string, ...args: string[]) => {
      clips[name] = join(dir, name);
      ffmpeg(...args, clips[name]!);
    };
    make(
      'ramp.mp4',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=10:duration=2.5',
      '-f',
      'lavfi',
      '-i',
      'sine=duration=2.5',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-movflags',
      '+faststart',
    );
    make('ntsc.mp4', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=30000/1001:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p');
    // Variable rate: keep an irregular subset of 30 fps frames with their own timestamps.
    make(
      'vfr.mp4',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=30:duration=2',
      '-vf',
      "select='not(mod(n\\,3))+eq(mod(n\\,7)\\,1)'",
      '-fps_mode',
      'vfr',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function uploaded(
    path: string | Uint8Array,
    options: Partial<Preprocessed['options']> = {},
  ): Promise<EventOf<typeof Subjects.videoUploaded>> {
    const mediaId = randomUUID();
    const bytes = typeof path === 'string' ? await readFile(path) : path;
    const originalKey = `media/${mediaId}/original.mp4`;
    await store.put(originalKey, bytes, { contentType: 'video/mp4' });
    return parseEvent(Subjects.videoUploaded, {
      mediaId,
      options,
      at: new Date().toISOString(),
      originalKey,
      filename: 'v.mp4',
      contentType: 'video/mp4',
      bytes: bytes.length,
    });
  }
  const handler = (settings: Partial<PreprocessVideoSettings> = {}) =>
    createPreprocessVideoHandler({
      store,
      log,
      tools: defaultMediaTools,
      tmpDir: dir,
      video: { ...DEFAULT_VIDEO_SETTINGS, chunkSeconds: 1, ...settings },
    });

  async function framesOf(key: string, width: number, height: number): Promise<Uint8Array[]> {
    const path = join(dir, `${randomUUID()}.mkv`);
    await download(store, key, path);
    const frames: Uint8Array[] = [];
    for await (const f of readFrames({ input: path, width, height })) frames.push(f);
    return frames;
  }

  it("cuts a video into chunks of the configured length, one event (and message id) each, each chunk ending with the next one's first frame", async () => {
    const upload = await uploaded(clips['ramp.mp4']!);
    const outcome = await handler()(upload, ctx);
    const chunks = events(outcome);
    assert.ok(outcome.kind === 'done');
    assert.deepEqual(
      outcome.next.map((n) => n.msgID),
      [0, 1, 2].map((i) => messageId(upload.mediaId, 'preprocess', i)),
    );
    assert.deepEqual(
      chunks.map((c) => [c.chunk.index, c.chunk.count, c.chunk.firstFrame, c.chunk.frames, c.chunk.overlapFrames, c.chunk.startSeconds]),
      [
        [0, 3, 0, 10, 1, 0],
        [1, 3, 10, 10, 1, 1],
        [2, 3, 20, 5, 0, 2],
      ],
    );
    assert.deepEqual([chunks[0]!.frames, chunks[0]!.durationSeconds, chunks[0]!.frameRate, chunks[0]!.hasAudio], [25, 2.5, '10/1', true]);
    const files = await Promise.all(chunks.map((c) => framesOf(c.key, 64, 48)));
    assert.deepEqual(
      files.map((f) => f.length),
      [11, 11, 5],
    );
    assert.deepEqual(files[0]![10], files[1]![0], "the overlap frame is the next chunk's first frame, losslessly");
    assert.deepEqual(files[1]![10], files[2]![0]);
  });

  it('keeps 29.97 fps exact and resamples a variable-rate clip on its timestamps', async () => {
    const [ntsc] = events(await handler({ chunkSeconds: 4 })(await uploaded(clips['ntsc.mp4']!), ctx));
    assert.deepEqual([ntsc!.frameRate, ntsc!.frames, ntsc!.durationSeconds], ['30000/1001', 30, (30 * 1001) / 30000]);
    const vfr = events(await handler()(await uploaded(clips['vfr.mp4']!), ctx));
    const total = vfr[0]!.frames;
    // The fast passages run at 30 fps, so the clip is resampled at 30 and keeps its 2 s.
    assert.equal(vfr[0]!.frameRate, '30/1');
    assert.ok(Math.abs(vfr[0]!.durationSeconds - 2) <= 2 / 30, `duration ${vfr[0]!.durationSeconds}`);
    assert.equal(
      vfr.reduce((n, c) => n + c.chunk.frames, 0),
      total,
    );
  });

  it('refuses a truncated video as CORRUPT_VIDEO and videos over the limits with their own codes', async () => {
    const whole = await readFile(clips['ramp.mp4']!);
    const truncated = await handler()(await uploaded(whole.subarray(0, Math.floor(whole.length * 0.5))), ctx);
    assert.ok(truncated.kind === 'reject' && truncated.code === 'CORRUPT_VIDEO', JSON.stringify(truncated));
    assert.match(truncated.reason, /truncated or damaged: \d+ of the 25 frames/);
    const limits = DEFAULT_VIDEO_SETTINGS.limits;
    const long = await handler({ limits: { ...limits, maxSeconds: 2 } })(await uploaded(clips['ramp.mp4']!), ctx);
    assert.ok(long.kind === 'reject' && long.code === 'VIDEO_TOO_LONG', JSON.stringify(long));
    const large = await handler({ limits: { ...limits, maxOutputPixels: 64 * 48 * 3 } })(
      await uploaded(clips['ramp.mp4']!, { scale: 2 }),
      ctx,
    );
    assert.ok(large.kind === 'reject' && large.code === 'VIDEO_TOO_LARGE' && /128x96/.test(large.reason), JSON.stringify(large));
    const fast = await handler({ limits: { ...limits, maxOutputFps: 30 } })(
      await uploaded(clips['ramp.mp4']!, { frameRateFactor: 4 }),
      ctx,
    );
    assert.ok(fast.kind === 'reject' && fast.code === 'FRAME_RATE_TOO_HIGH', JSON.stringify(fast));
  });

  it('hands the recorded chunks on again when the upload is redelivered, without cutting again', async () => {
    const upload = await uploaded(clips['ramp.mp4']!);
    const first = events(await handler()(upload, ctx));
    // The original is gone: only the record can answer now.
    await store.delete(upload.originalKey);
    const again = events(await handler()(upload, ctx));
    assert.deepEqual(again, first);
    await writeFile(join(dir, 'unused'), '');
  });
});
