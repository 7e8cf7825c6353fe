import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '@revive/config';
import { framesPerChunk } from './chunks.ts';
import { FfmpegRunError, filterFrames, readFrames, writeIntermediate } from './frame-pipes.ts';
import { outputRange, planOutputFrames } from './frame-plan.ts';
import { chooseConstantRate, formatFrameRate, frameSeconds, isConstantRate, parseFrameRate } from './frame-rate.ts';
import { videoLimitProblems } from './limits.ts';
import { probeVideo } from './probe.ts';
import { defaultMediaTools } from './tools.ts';

const sharedVideos = resolve(repoRoot, '../shared/data/video');

describe('video-io', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-video-io-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps frame rates as exact fractions, so 29.97 fps does not drift', () => {
    const ntsc = parseFrameRate('30000/1001');
    assert.equal(formatFrameRate(ntsc), '30000/1001');
    assert.deepEqual(parseFrameRate('50/2'), { num: 25, den: 1 });
    // An hour of 29.97 fps: exactly 3600 s, where 29.97 as a float would be 0.12 s off.
    assert.equal(frameSeconds(107_892, ntsc), 3599.9964);
    assert.throws(() => parseFrameRate('29.97'), /not a frame rate/);
    assert.equal(framesPerChunk(ntsc, 4), 120);
  });

  it('chooses the constant rate a source is processed at from its frame times', () => {
    const times = (intervals: number[]) => intervals.reduce<number[]>((t, d) => [...t, t.at(-1)! + d], [0]);
    // Constant rate in Matroska's millisecond clock: 33 / 34 ms steps.
    assert.equal(
      formatFrameRate(
        chooseConstantRate({
          baseRate: '30/1',
          averageRate: '30/1',
          frameTimes: times(Array.from({ length: 60 }, (_, i) => (i % 3 === 2 ? 0.034 : 0.033))),
        }),
      ),
      '30/1',
    );
    // 29.97 fps on the same clock, and a constant-rate file cut short (one frame missing): still exact.
    assert.equal(
      formatFrameRate(
        chooseConstantRate({
          baseRate: '30000/1001',
          averageRate: '30000/1001',
          frameTimes: times(Array.from({ length: 60 }, (_, i) => (i % 3 === 2 ? 0.034 : 0.033))),
        }),
      ),
      '30000/1001',
    );
    assert.equal(
      formatFrameRate(chooseConstantRate({ baseRate: '10/1', averageRate: '10/1', frameTimes: times([...Array(10).fill(0.1), 0.2]) })),
      '10/1',
    );
    // A phone slowing down: 30 fps passages with 15 fps ones; the fast passages set the rate.
    const phone = times([...Array(30).fill(1 / 30), ...Array(20).fill(1 / 15)]);
    assert.equal(isConstantRate({ baseRate: '90000/1', averageRate: '2150/100', frameTimes: phone }), false);
    assert.equal(formatFrameRate(chooseConstantRate({ baseRate: '90000/1', averageRate: '2150/100', frameTimes: phone })), '30/1');
    assert.equal(
      formatFrameRate(chooseConstantRate({ baseRate: '24000/1001', averageRate: '24000/1001' })),
      '24000/1001',
      'the header decides without frame times',
    );
  });

  it('places output frames by timestamp: 29.97 → 59.94, and 23.976 → 60 where input frames do not line up', () => {
    const ntsc = parseFrameRate('30000/1001');
    const doubled = planOutputFrames(3, 2, ntsc, parseFrameRate('60000/1001'), 9);
    assert.deepEqual(
      doubled.map((f) => [f.index, f.a, f.b, f.t]),
      [
        [6, 3, 3, 0],
        [7, 3, 4, 0.5],
        [8, 4, 4, 0],
        [9, 4, 5, 0.5],
      ],
    );
    const film = parseFrameRate('24000/1001');
    const sixty = planOutputFrames(0, 4, film, parseFrameRate('60/1'), 100);
    for (const f of sixty)
      assert.ok(Math.abs(frameSeconds(f.a + f.t, film) - f.index / 60) < 1e-9, `frame ${f.index} sits at its own time`);
    // Chunks tile the output exactly, whatever the ratio.
    const ranges = [0, 7, 14].map((first) => outputRange(first, 7, film, parseFrameRate('60/1')));
    assert.deepEqual(
      ranges.map((r, i) => (i === 0 ? r.first : r.first - ranges[i - 1]!.first - ranges[i - 1]!.count)),
      [0, 0, 0],
    );
    assert.deepEqual(
      planOutputFrames(8, 2, parseFrameRate('25/1'), parseFrameRate('50/1'), 9).map((f) => [f.a, f.b]),
      [
        [8, 8],
        [8, 9],
        [9, 9],
        [9, 9],
      ],
      'the last frame is held',
    );
  });

  it('reports every limit a video breaks', () => {
    // 30 s at 30 fps doubled to 1800 frames of 1920x1080: 3.7 gigapixels in all.
    const limits = { maxSeconds: 60, maxOutputPixels: 1920 * 1080, maxTotalPixels: 5e9, maxOutputFps: 60 };
    assert.deepEqual(
      videoLimitProblems({ width: 960, height: 540, durationSeconds: 30, fps: 30 }, { scale: 2, frameRateFactor: 2 }, limits),
      [],
    );
    assert.deepEqual(
      videoLimitProblems({ width: 960, height: 540, durationSeconds: 90, fps: 30 }, { scale: 4, frameRateFactor: 4 }, limits).map(
        (p) => p.code,
      ),
      ['VIDEO_TOO_LONG', 'VIDEO_TOO_LARGE', 'OUTPUT_TOO_LARGE', 'FRAME_RATE_TOO_HIGH'],
    );
    assert.deepEqual(
      videoLimitProblems(
        { width: 960, height: 540, durationSeconds: 30, fps: 30 },
        { scale: 2, frameRateFactor: 2 },
        { ...limits, maxTotalPixels: 3e9 },
      ).map((p) => p.code),
      ['OUTPUT_TOO_LARGE'],
    );
  });

  it('runs a whole run of frames through one ffmpeg filter, and takes ffmpeg stopping early (its frame count reached) as success', async () => {
    // Frames larger than a pipe's buffer, more than ffmpeg needs: it quits with the rest unread (EPIPE).
    const [w, h] = [640, 360];
    const frame = (v: number) => new Uint8Array(w * h * 3).fill(v);
    async function* frames() {
      for (let i = 0; i < 40; i++) yield frame(i * 4);
    }
    const out: Uint8Array[] = [];
    for await (const f of filterFrames({
      frames: frames(),
      width: w,
      height: h,
      rate: parseFrameRate('25/1'),
      filter: 'fps=50',
      outputFrames: 6,
    }))
      out.push(f);
    assert.deepEqual(
      out.map((f) => f[0]),
      [0, 0, 4, 4, 8, 8],
      'each frame twice at twice the rate, and only the frames asked for',
    );
    await assert.rejects(
      async () => {
        for await (const _ of filterFrames({
          frames: frames(),
          width: w,
          height: h,
          rate: parseFrameRate('25/1'),
          filter: 'no_such_filter',
          outputFrames: 2,
        }));
      },
      (e: unknown) => e instanceof FfmpegRunError && e.retryable,
    );
  });

  it('streams frames through ffmpeg pipes into the lossless intermediate and back, bit for bit', async () => {
    const [w, h] = [33, 17];
    const frames = Array.from({ length: 12 }, (_, k) => Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7 + k * 31) % 256));
    const path = join(dir, 'frames.mkv');
    assert.equal(await writeIntermediate(path, frames, w, h, parseFrameRate('30000/1001')), 12);
    const back: Uint8Array[] = [];
    for await (const f of readFrames({ input: path, width: w, height: h })) back.push(f);
    assert.deepEqual(back, frames);
    const tail: Uint8Array[] = [];
    for await (const f of readFrames({ input: path, width: w, height: h, fromEndSeconds: 3 * (1001 / 30000) })) tail.push(f);
    assert.deepEqual(tail, frames.slice(-3), 'an intra-only file seeks to the exact frame');
    const probe = await probeVideo(defaultMediaTools, path);
    assert.ok(probe.kind === 'video' && formatFrameRate(probe.frameRate) === '30000/1001' && !probe.variableRate, JSON.stringify(probe));
  });

  it('probes the shared clips: constant and variable rate, sound or none', async (t) => {
    if (!existsSync(sharedVideos)) return t.skip(`../shared/data/video is absent (${sharedVideos}): the committed fixtures cover the rest`);
    const expected: Record<string, [string, boolean, boolean]> = {
      'chaplin.mp4': ['25/1', false, true],
      'fire2.mp4': ['25/2', true, true],
      'asl_book.mkv': ['30/1', false, false],
      'bottle-detection.mp4': ['179/6', false, false],
      'big_buck_bunny_0_30.webm': ['24/1', false, true],
    };
    for (const file of readdirSync(sharedVideos).filter((f) => f in expected)) {
      const probe = await probeVideo(defaultMediaTools, join(sharedVideos, file));
      assert.ok(probe.kind === 'video', file);
      assert.deepEqual([formatFrameRate(probe.frameRate), probe.variableRate, probe.hasAudio], expected[file], file);
    }
  });
});
