import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { messageId, parseEvent, Subjects, type EnhanceOptions } from '@revive/contracts';
import { frameAverage } from '@revive/frame-interpolator';
import { createLogger } from '@revive/logging';
import type { Outcome } from '@revive/messaging';
import { createFilesystemStore, type ObjectStore } from '@revive/object-store';
import { loadChunkFrames, storeChunk } from '@revive/video-io/testing';
import { createInterpolateVideoHandler } from './video.handler.ts';
import { recordingContext } from '@revive/stage-kit/testing';

const log = createLogger('interpolate-video-test', 'silent');
const [W, H] = [64, 48];

const context = () => recordingContext('interpolate');

function interpolated(outcome: Outcome) {
  assert.ok(outcome.kind === 'done' && outcome.next.length === 1, JSON.stringify(outcome));
  return { msgID: outcome.next[0]!.msgID, event: parseEvent(Subjects.videoInterpolated, outcome.next[0]!.payload) };
}

/**
 * A still gradient brightening by 8 levels a frame: nothing moves and it is one shot (the
 * histograms overlap), so what lies between two frames is plain to see in the mean level.
 */
const ramp = (indexes: number[]) =>
  indexes.map((k) => {
    const f = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) f.fill(60 + (i % W) * 2 + 8 * k, i * 3, i * 3 + 3);
    return f;
  });
/** Mean level above the gradient's own (123): 8 per input frame. */
const level = (f: Uint8Array) => f.reduce((s, v) => s + v, 0) / f.length - 123;

describe('interpolate: video chunks', () => {
  let dir: string;
  let store: ObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-interpolate-video-'));
    store = createFilesystemStore(join(dir, 'objects'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const chunk = async (
    frames: Uint8Array[],
    options: Partial<EnhanceOptions>,
    extra: { rate?: string; index?: number; count?: number; firstFrame?: number; overlapFrames?: number; totalFrames: number },
  ) =>
    parseEvent(Subjects.videoSuperResolved, {
      ...(await storeChunk({ store, dir, frames, width: W, height: H, options, ...extra })),
      scale: 1,
    });

  it('doubles the frame rate: input frames kept, the ones between synthesised towards the overlap frame, which is dropped', async () => {
    const input = await chunk(ramp([0, 1, 2, 3, 4]), { frameRateFactor: 2 }, { index: 0, count: 2, overlapFrames: 1, totalFrames: 6 });
    const ctx = context();
    const { msgID, event } = interpolated(await createInterpolateVideoHandler({ store, log, tmpDir: dir })(input, ctx));
    assert.equal(msgID, messageId(input.mediaId, 'interpolate', 0));
    assert.deepEqual([event.frameRate, event.fps, event.frames, event.durationSeconds], ['50/1', 50, 12, input.durationSeconds]);
    assert.deepEqual(event.chunk, {
      index: 0,
      count: 2,
      startSeconds: 0,
      durationSeconds: 4 / 25,
      frames: 8,
      firstFrame: 0,
      overlapFrames: 0,
    });
    assert.deepEqual(ctx.seen.at(-1), [8, 8, 'frames']);
    const out = await loadChunkFrames(store, event.key, W, H, dir);
    assert.deepEqual(
      out.map((f) => Math.round(level(f))),
      [0, 4, 8, 12, 16, 20, 24, 28],
      'the default engine puts frame 2k+1 halfway, the last one towards the next chunk',
    );
  });

  it("holds the video's last frame to keep its length, and places frames by timestamp at 29.97 fps and factor 4", async () => {
    const last = await chunk(
      ramp([0, 1, 2]),
      { frameRateFactor: 4 },
      { rate: '30000/1001', index: 1, count: 2, firstFrame: 3, totalFrames: 6 },
    );
    const { event } = interpolated(await createInterpolateVideoHandler({ store, log, tmpDir: dir, engine: frameAverage })(last, context()));
    assert.deepEqual([event.frameRate, event.frames, event.chunk.firstFrame, event.chunk.frames], ['120000/1001', 24, 12, 12]);
    assert.equal(event.chunk.startSeconds, last.chunk.startSeconds, 'the chunk starts at the same instant at either rate');
    const out = await loadChunkFrames(store, event.key, W, H, dir);
    assert.deepEqual(
      out.map((f) => Math.round(level(f))),
      [0, 2, 4, 6, 8, 10, 12, 14, 16, 16, 16, 16],
    );
  });

  it('passes factor 1 through unchanged', async () => {
    const input = await chunk(ramp([0, 1]), { frameRateFactor: 1 }, { totalFrames: 2 });
    const { event } = interpolated(await createInterpolateVideoHandler({ store, log })(input, context()));
    assert.deepEqual([event.key, event.frameRate, event.chunk], [input.key, '25/1', input.chunk]);
  });
});
