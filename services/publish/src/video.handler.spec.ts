import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { messageId, parseEvent, Subjects, type EventOf } from '@revive/contracts';
import { createLogger } from '@revive/logging';
import type { HandlerContext, Outcome } from '@revive/messaging';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { readFrames } from '@revive/video-io';
import { storeChunk } from '@revive/video-io/testing';
import { createPublishVideoHandler } from './video.handler.ts';

const log = createLogger('publish-video-test', 'silent');
const ctx: HandlerContext = {
  stage: 'publish',
  attempt: 1,
  signal: new AbortController().signal,
  heartbeat: () => undefined,
  progress: () => undefined,
};
const [W, H] = [64, 48];
const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
const probe = (path: string) =>
  JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path]).toString()) as {
    streams: Array<{
      codec_type: string;
      codec_name: string;
      pix_fmt?: string;
      r_frame_rate?: string;
      nb_frames?: string;
      duration?: string;
    }>;
    format: { duration: string };
  };

/** Frame k of the video is flat grey at level 16 + 5k: the order of frames can be read back from the result. */
const grey = (k: number) => new Uint8Array(W * H * 3).fill(16 + 5 * k);

describe('publish: joining video chunks', () => {
  let dir: string;
  let store: ObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-publish-video-'));
    store = createFilesystemStore(join(dir, 'objects'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A 2 s original (with or without sound) and its 40 frames at 20 fps as three interpolated chunks. */
  async function interpolatedChunks(withAudio: boolean, mediaId: string): Promise<Array<EventOf<typeof Subjects.videoInterpolated>>> {
    // With sound: an MP4; without: a Matroska file carrying a text subtitle track instead.
    const original = join(dir, `${mediaId}.${withAudio ? 'mp4' : 'mkv'}`);
    const subtitles = join(dir, 'subtitles.srt');
    await writeFile(subtitles, '1\n00:00:00,500 --> 00:00:01,500\nHello\n');
    const extra = withAudio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'aac'] : ['-i', subtitles, '-c:s', 'srt'];
    ffmpeg('-f', 'lavfi', '-i', `testsrc=size=${W}x${H}:rate=10:duration=2`, ...extra, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', original);
    await store.put(`media/${mediaId}/original.mp4`, await readFile(original));
    const cuts = [
      [0, 16],
      [16, 16],
      [32, 8],
    ] as const;
    return Promise.all(
      cuts.map(async ([first, count], index) => {
        const event = await storeChunk({
          store,
          dir,
          mediaId,
          stage: 'interpolate',
          frames: Array.from({ length: count }, (_, k) => grey(first + k)),
          width: W,
          height: H,
          rate: '20/1',
          index,
          count: cuts.length,
          firstFrame: first,
          totalFrames: 40,
        });
        return parseEvent(Subjects.videoInterpolated, { ...event, hasAudio: withAudio });
      }),
    );
  }

  async function levelsOf(key: string): Promise<number[]> {
    const path = join(dir, 'result-check.mp4');
    await writeFile(path, await buffer(await store.get(key)));
    const levels: number[] = [];
    for await (const f of readFrames({ input: path, width: W, height: H }))
      levels.push(Math.round(f.reduce((s, v) => s + v, 0) / f.length));
    return levels;
  }

  it('joins chunks that arrive out of order and twice, in order, with the original audio, once', async () => {
    const mediaId = 'a1b2c3d4-0000-4000-8000-000000000001';
    const chunks = await interpolatedChunks(true, mediaId);
    const handler = createPublishVideoHandler({ store, log, tmpDir: dir, videoPreset: 'veryfast' });
    const waiting: Outcome[] = [];
    for (const c of [chunks[2]!, chunks[0]!, chunks[0]!]) waiting.push(await handler(c, ctx));
    assert.deepEqual(waiting, Array(3).fill({ kind: 'done', next: [] }), 'nothing is announced while a chunk is missing');
    const outcome = await handler(chunks[1]!, ctx);
    assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
    assert.equal(outcome.next[0]!.msgID, messageId(mediaId, 'publish'));
    const published = parseEvent(Subjects.videoPublished, outcome.next[0]!.payload);
    assert.deepEqual(
      [published.key, published.posterKey, published.contentType, published.frames, published.frameRate, published.width],
      [`media/${mediaId}/result.mp4`, `media/${mediaId}/poster.jpg`, 'video/mp4', 40, '20/1', W],
    );

    const path = join(dir, 'result.mp4');
    const mp4 = await buffer(await store.get(published.key));
    await writeFile(path, mp4);
    assert.equal(published.bytes, mp4.length, "the result's size in bytes");
    assert.deepEqual(published.preview, { key: `media/${mediaId}/result-preview.webp`, width: W, height: H });
    const preview = await sharp(await buffer(await store.get(published.preview.key))).metadata();
    assert.deepEqual([preview.format, preview.width, preview.height], ['webp', W, H]);
    const info = probe(path);
    const video = info.streams.find((s) => s.codec_type === 'video')!;
    const audio = info.streams.find((s) => s.codec_type === 'audio');
    assert.deepEqual([video.codec_name, video.pix_fmt, video.r_frame_rate, video.nb_frames], ['h264', 'yuv420p', '20/1', '40']);
    assert.equal(audio?.codec_name, 'aac', 'the original sound is in the result');
    assert.ok(Math.abs(Number(info.format.duration) - 2) < 0.06, `duration ${info.format.duration}`);
    const levels = await levelsOf(published.key);
    assert.ok(
      levels.every((l, i) => i === 0 || l > levels[i - 1]!),
      `frames in order: ${levels.join(' ')}`,
    );
    assert.deepEqual(
      Object.values(
        await sharp(await buffer(await store.get(published.posterKey)))
          .metadata()
          .then((m) => ({ f: m.format, w: m.width, h: m.height })),
      ),
      ['jpeg', W, H],
    );

    // A late duplicate hands the recorded result on; it cannot join again (the chunks are gone).
    for (const c of chunks) await store.delete(c.key);
    const again = await handler(chunks[1]!, ctx);
    assert.ok(again.kind === 'done');
    assert.deepEqual(again.next, outcome.next);
  });

  it('publishes a video without sound but with subtitles, and refuses chunks that do not fit together', async () => {
    const silent = await interpolatedChunks(false, 'a1b2c3d4-0000-4000-8000-000000000002');
    const handler = createPublishVideoHandler({ store, log, tmpDir: dir, videoPreset: 'veryfast' });
    let outcome: Outcome | undefined;
    for (const c of silent) outcome = await handler(c, ctx);
    assert.ok(outcome?.kind === 'done' && outcome.next.length === 1);
    const path = join(dir, 'silent.mp4');
    await writeFile(path, await buffer(await store.get(parseEvent(Subjects.videoPublished, outcome.next[0]!.payload).key)));
    assert.deepEqual(
      probe(path).streams.map((s) => [s.codec_type, s.codec_name]),
      [
        ['video', 'h264'],
        ['subtitle', 'mov_text'],
      ],
      'no sound, the subtitles kept',
    );

    const broken = await interpolatedChunks(true, 'a1b2c3d4-0000-4000-8000-000000000003');
    for (const c of [broken[0]!, broken[2]!]) await handler(c, ctx);
    const gap = await handler({ ...broken[1]!, chunk: { ...broken[1]!.chunk, firstFrame: 17 } }, ctx);
    assert.ok(
      gap.kind === 'reject' && gap.code === 'CHUNKS_MISMATCH' && /starts at frame 17, expected 16/.test(gap.reason),
      JSON.stringify(gap),
    );
  });
});
