import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { spoolAndCheckVideo } from './video-upload-check.ts';

const limits = { maxSeconds: 10, maxOutputPixels: 128 * 96, maxTotalPixels: 1e12, maxOutputFps: 60 };
const options = { scale: 2, colorize: 'auto', repair: 'auto', frameRateFactor: 2 } as const;

describe('video upload check', () => {
  let dir: string;
  let clip: Buffer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-upload-check-'));
    const path = join(dir, 'clip.mp4');
    // The index at the end, as most cameras write MP4: the check must not depend on the first bytes.
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=25:duration=1',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      path,
    ]);
    clip = await readFile(path);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('passes a video within the limits and hands its bytes on unchanged', async () => {
    const spooled = await spoolAndCheckVideo(Readable.from([clip]), options, limits);
    try {
      assert.deepEqual(spooled.problems, []);
      assert.deepEqual(await buffer(spooled.body), clip);
    } finally {
      await spooled.dispose();
    }
  });

  it('names each limit an upload breaks for its options, and leaves no spool behind', async () => {
    const spooled = await spoolAndCheckVideo(
      Readable.from([clip]),
      { ...options, scale: 4, frameRateFactor: 4 },
      { ...limits, maxSeconds: 0.5 },
    );
    assert.deepEqual(
      spooled.problems.map((p) => p.code),
      ['VIDEO_TOO_LONG', 'VIDEO_TOO_LARGE', 'FRAME_RATE_TOO_HIGH'],
    );
    const spool = (spooled.body as unknown as { path: string }).path;
    await spooled.dispose();
    assert.equal(existsSync(spool), false);
  });

  it('leaves what ffprobe cannot read to preprocess', async () => {
    const spooled = await spoolAndCheckVideo(Readable.from([clip.subarray(0, 300)]), options, limits);
    assert.deepEqual(spooled.problems, []);
    await spooled.dispose();
  });
});
