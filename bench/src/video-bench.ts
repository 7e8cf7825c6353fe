import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { enhanceOptionsSchema, FLOW, parseEvent, Subjects, type EventOf, type Stage } from '@revive/contracts';
import { MINTERPOLATE_OPTIONS } from '@revive/frame-interpolator';
import type { HandlerContext, Outcome } from '@revive/messaging';
import { createFilesystemStore } from '@revive/object-store';
import { buildBenchStages, type BenchStages } from './bench-stages.ts';

export interface VideoBenchOptions {
  /** Seconds of the clip to restore. */
  readonly seconds: number;
  readonly chunkSeconds: number;
  /** A source video (cut and scaled to 640x360); a synthetic grey clip when absent. */
  readonly source?: string;
  /** Where the restored MP4 and its poster are kept for a look. */
  readonly outDir: string;
}

export interface VideoBenchResult {
  readonly clip: string;
  readonly sourceFrames: number;
  readonly outputFrames: number;
  readonly chunks: number;
  /** Seconds each stage's handler took, all chunks together. */
  readonly stageSeconds: Readonly<Record<Stage, number>>;
  readonly reviveSeconds: number;
  readonly ffmpegSeconds: number;
}

const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
const ctxFor = (stage: Stage): HandlerContext => ({
  stage,
  attempt: 1,
  signal: new AbortController().signal,
  heartbeat: () => undefined,
  progress: () => undefined,
});
// What the ffmpeg run can be compared with: colorize, x2 and twice the frame rate; repair off, as
// ffmpeg has nothing like it.
const OPTIONS = enhanceOptionsSchema.parse({ scale: 2, frameRateFactor: 2, colorize: 'on', repair: 'off' });

/** The 640x360 clip with sound that both runs restore. */
function makeClip(path: string, seconds: number, source: string | undefined): string {
  if (source) {
    ffmpeg(
      '-i',
      source,
      '-t',
      String(seconds),
      '-vf',
      'scale=640:360:flags=lanczos',
      '-c:v',
      'libx264',
      '-crf',
      '16',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      path,
    );
    return `${source.split('/').pop()}, first ${seconds} s at 640x360`;
  }
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=640x360:rate=25:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=duration=${seconds}`,
    '-vf',
    'hue=s=0',
    '-c:v',
    'libx264',
    '-crf',
    '16',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    path,
  );
  return `synthetic grey testsrc2, ${seconds} s at 640x360 (../shared/data/video/chaplin.mp4 not found)`;
}

function chunkEvents(outcome: Outcome, stage: Stage): unknown[] {
  if (outcome.kind !== 'done') throw new Error(`${stage} failed on the bench clip: ${JSON.stringify(outcome)}`);
  return outcome.next.map((n) => n.payload);
}

/**
 * Restores one clip (colorize on, scale 2, frame-rate factor 2) through the real stage handlers,
 * in this process, chunk after chunk: the work the services do, without the messaging. Then runs
 * the plain ffmpeg equivalent (Lanczos x2, then minterpolate to twice the rate, same encoder) on
 * the same clip. Frames per second count source frames.
 */
export async function benchVideo(options: VideoBenchOptions): Promise<VideoBenchResult> {
  const root = await mkdtemp(join(tmpdir(), 'revive-bench-video-'));
  let stages: BenchStages | undefined;
  try {
    const store = createFilesystemStore(join(root, 'objects'));
    const clipPath = join(root, 'clip.mp4');
    const clip = makeClip(clipPath, options.seconds, options.source && existsSync(options.source) ? options.source : undefined);
    const mediaId = randomUUID();
    const originalKey = `media/${mediaId}/original.mp4`;
    const bytes = await readFile(clipPath);
    await store.put(originalKey, bytes, { contentType: 'video/mp4' });
    const uploaded = parseEvent(Subjects.videoUploaded, {
      mediaId,
      options: OPTIONS,
      at: new Date().toISOString(),
      originalKey,
      filename: 'clip.mp4',
      contentType: 'video/mp4',
      bytes: bytes.length,
    });
    stages = await buildBenchStages(FLOW.video, {
      REVIVE_STORE: 'filesystem',
      REVIVE_STORE_DIR: join(root, 'objects'),
      // Limits no bench clip reaches; the chunk length is the bench's.
      REVIVE_MAX_VIDEO_SECONDS: '3600',
      REVIVE_MAX_VIDEO_PIXELS: '100000000',
      REVIVE_MAX_VIDEO_FPS: '1000',
      REVIVE_VIDEO_CHUNK_SECONDS: String(options.chunkSeconds),
    });
    const stageSeconds = {} as Record<Stage, number>;
    let events: unknown[] = [uploaded];
    const started = performance.now();
    for (const hop of FLOW.video) {
      const handle = stages.handlerOf(hop);
      const t0 = performance.now();
      const next: unknown[] = [];
      for (const event of events) next.push(...chunkEvents(await handle(event, ctxFor(hop.stage)), hop.stage));
      stageSeconds[hop.stage] = (performance.now() - t0) / 1000;
      events = next;
    }
    const reviveSeconds = (performance.now() - started) / 1000;
    const published = parseEvent(Subjects.videoPublished, events[0]) as EventOf<typeof Subjects.videoPublished>;
    const preprocessed = await store.get(`media/${mediaId}/preprocess/chunks.json`).then(buffer);
    const chunks = (JSON.parse(preprocessed.toString('utf8')) as unknown[]).length;
    await mkdir(options.outDir, { recursive: true });
    await writeFile(join(options.outDir, 'revive.mp4'), await store.get(published.key).then(buffer));
    await writeFile(join(options.outDir, 'revive-poster.jpg'), await store.get(published.posterKey).then(buffer));

    const plain = join(options.outDir, 'ffmpeg.mp4');
    const t1 = performance.now();
    ffmpeg(
      '-i',
      clipPath,
      '-vf',
      `scale=iw*2:ih*2:flags=lanczos,minterpolate=fps=${published.frameRate}:${MINTERPOLATE_OPTIONS}`,
      '-c:v',
      'libx264',
      '-preset',
      'medium',
      '-crf',
      '19',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-movflags',
      '+faststart',
      plain,
    );
    const ffmpegSeconds = (performance.now() - t1) / 1000;
    await copyFile(clipPath, join(options.outDir, 'clip.mp4'));
    return {
      clip,
      sourceFrames: published.frames / OPTIONS.frameRateFactor,
      outputFrames: published.frames,
      chunks,
      stageSeconds,
      reviveSeconds,
      ffmpegSeconds,
    };
  } finally {
    await stages?.close();
    await rm(root, { recursive: true, force: true });
  }
}
