import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stagesOf } from '@revive/contracts';
import type { LocalStack } from '@revive/local-services';
import { REPAIR_NOT_ASKED } from '@revive/repair';
import { readFrames } from '@revive/video-io';
import { pollUntil } from './support/bounded-wait.ts';
import { describeMediaAt, query, subscribeWs, uploadFile, MEDIA_FIELDS, type ProgressMessage } from './support/graphql-client.ts';
import { apiStage, expectedStages } from './support/stages.ts';
import { startTestStack, type TestStack } from './support/test-stack.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures/video');
const chaplin = join(fixtures, 'chaplin-bw-192x108-2s.mp4');
const silentClip = join(fixtures, 'asl-book-noaudio-160x120.mkv');
const vfrClip = join(fixtures, 'fire-vfr-160x90.mp4');

interface Probe {
  streams: Array<{
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    r_frame_rate?: string;
    nb_frames?: string;
    duration?: string;
    start_time?: string;
    pix_fmt?: string;
  }>;
  format: { duration: string };
}
const ffprobe = (path: string) =>
  JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path]).toString()) as Probe;
const videoOf = (p: Probe) => p.streams.find((s) => s.codec_type === 'video')!;
const durationOf = (p: Probe) => Number(videoOf(p).duration ?? p.format.duration);
const stagesDone = (messages: ProgressMessage[]) =>
  messages.filter((m) => m.event === 'STAGE_DONE' || m.event === 'STAGE_SKIPPED').map((m) => `${m.stage}:${m.event}`);

async function frames(path: string, width: number, height: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of readFrames({ input: path, width, height, filters: [`scale=${width}:${height}`] })) out.push(f);
  return out;
}

/** Mean |Cb-128| + |Cr-128| (BT.601, 0–255) over a frame: about 0 for black and white. */
function chromaOf(f: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < f.length; i += 3)
    sum +=
      Math.abs(-0.1687 * f[i]! - 0.3313 * f[i + 1]! + 0.5 * f[i + 2]!) + Math.abs(0.5 * f[i]! - 0.4187 * f[i + 1]! - 0.0813 * f[i + 2]!);
  return sum / (f.length / 3);
}

/** Mean absolute luma difference of two same-size frames. */
function lumaDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 3)
    sum += Math.abs(0.299 * (a[i]! - b[i]!) + 0.587 * (a[i + 1]! - b[i + 1]!) + 0.114 * (a[i + 2]! - b[i + 2]!));
  return sum / (a.length / 3);
}

/** Seconds from the beep's start to the flash frame's presentation time, both on the file's clock. */
async function flashToBeep(path: string): Promise<number> {
  const probe = ffprobe(path);
  const times = execFileSync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'frame=pts_time',
    '-of',
    'csv=p=0',
    path,
  ])
    .toString()
    .split('\n')
    .filter(Boolean)
    .map(Number);
  const corners: number[] = [];
  for await (const f of readFrames({ input: path, width: 64, height: 48 })) corners.push(f.subarray(0, 16 * 3).reduce((s, v) => s + v, 0));
  const flash = times[corners.indexOf(Math.max(...corners))]!;
  const pcm = new Int16Array(
    new Uint8Array(
      execFileSync(
        'ffmpeg',
        ['-hide_banner', '-loglevel', 'error', '-i', path, '-map', '0:a', '-ac', '1', '-ar', '48000', '-f', 's16le', 'pipe:1'],
        { maxBuffer: 1 << 24 },
      ),
    ).buffer,
  );
  const audioStart = Number(probe.streams.find((s) => s.codec_type === 'audio')!.start_time ?? 0);
  return flash - (audioStart + pcm.findIndex((v) => Math.abs(v) > 8000) / 48000);
}

describe('video restoration end to end: chunks through every stage on the real stack (nats-server, PostgreSQL, ONNX, ffmpeg, one process per service)', () => {
  let system: TestStack;
  let stack: LocalStack;
  let stateDir: string;
  let logs: string[];
  before(async () => {
    system = await startTestStack('video-pipeline', {
      env: {
        REVIVE_ACK_WAIT_SECONDS: '10',
        // Short chunks: the 2 s clip becomes three, enough for two replicas to share.
        REVIVE_VIDEO_CHUNK_SECONDS: '0.8',
        // 192x108 at scale 2 fits, at scale 4 (331,776 pixels a frame) does not.
        REVIVE_MAX_VIDEO_PIXELS: '200000',
      },
    });
    ({ stack, stateDir, logs } = system);
  });
  after(() => system?.stop());

  async function mediaOf(id: string) {
    const { data, errors } = await query<{
      media: {
        status: string;
        width: number;
        height: number;
        resultUrl: string | null;
        error: { code: string; stage: string } | null;
        stages: Array<{
          stage: string;
          status: string;
          done: number | null;
          total: number | null;
          unit: string | null;
          note: string | null;
        }>;
      };
    }>(stack.graphqlUrl, `query ($id: ID!) { media(id: $id) { ${MEDIA_FIELDS} } }`, { id }, { token: stack.token });
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.media;
  }

  async function restore(
    path: string,
    options: Record<string, unknown>,
  ): Promise<{ id: string; messages: ProgressMessage[]; result: string; probe: Probe }> {
    const upload = await uploadFile(stack.graphqlUrl, path, options, undefined, { token: stack.token });
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const id = upload.data!.uploadMedia.id;
    assert.equal(upload.data!.uploadMedia.kind, 'VIDEO');
    const messages = await subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token }).done;
    const media = await mediaOf(id);
    assert.equal(media.status, 'COMPLETED', JSON.stringify(media));
    const result = join(stateDir, `${id}.mp4`);
    await writeFile(result, new Uint8Array(await (await fetch(media.resultUrl!)).arrayBuffer()));
    return { id, messages, result, probe: ffprobe(result) };
  }

  it('restores a black-and-white clip on two colorize replicas: coloured, twice the size and the frame rate, same length, sound kept, chunks in order', async (t) => {
    const replica = stack.startReplica('colorize');
    await replica.waitForLog(/"msg":"colorize running"/, 120_000);
    const source = ffprobe(chaplin);
    const { id, messages, result, probe } = await restore(chaplin, { scale: 2, frameRateFactor: 2, colorize: 'AUTO', repair: 'OFF' });

    // Per-chunk events, yet each stage is announced done (repair, OFF: skipped) once, in flow order, with progress in frames on the way.
    assert.deepEqual(stagesDone(messages), expectedStages('video', 'STAGE_DONE', { repair: 'STAGE_SKIPPED' }));
    const colorizing = messages
      .filter((m) => m.event === 'STAGE_PROGRESS' && m.stage === 'COLORIZE')
      .map((m) => m.media.stages.find((s) => s.stage === 'COLORIZE')!);
    assert.ok(colorizing.length > 0 && colorizing.every((s) => s.progress < 100), 'frame progress of colorization reached the subscriber');
    const final = await mediaOf(id);
    // Counted in frames up to publish (which joins the chunks): 50 in the source, 100 once interpolation doubled them.
    assert.deepEqual(
      final.stages.slice(0, -1).map((s) => [s.stage, s.status, s.done, s.total, s.unit]),
      stagesOf('video')
        .slice(0, -1)
        .map((stage) => {
          const frames = stage === 'interpolate' ? 100 : 50;
          return [apiStage(stage), stage === 'repair' ? 'SKIPPED' : 'DONE', frames, frames, 'frames'];
        }),
    );
    assert.deepEqual([final.stages.at(-1)!.stage, final.stages.at(-1)!.status], [apiStage('publish'), 'DONE']);
    assert.equal(final.stages.find((s) => s.stage === apiStage('repair'))!.note, REPAIR_NOT_ASKED);

    const video = videoOf(probe);
    assert.deepEqual(
      [video.codec_name, video.pix_fmt, video.width, video.height, video.r_frame_rate],
      ['h264', 'yuv420p', 384, 216, '50/1'],
    );
    assert.ok(Math.abs(durationOf(probe) - durationOf(source)) <= 1 / 25 + 1e-3, `duration ${durationOf(probe)} vs ${durationOf(source)}`);
    assert.equal(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac', 'the original sound is in the result');

    const before = await frames(chaplin, 192, 108);
    const after = await frames(result, 192, 108);
    assert.equal(after.length, 100);
    const meanChroma = (fs: Uint8Array[]) => fs.reduce((s, f) => s + chromaOf(f), 0) / fs.length;
    const [chromaBefore, chromaAfter] = [meanChroma(before), meanChroma(after)];
    t.diagnostic(`mean chroma (|Cb-128|+|Cr-128|) ${chromaBefore.toFixed(2)} before, ${chromaAfter.toFixed(2)} after`);
    assert.ok(
      chromaBefore < 1 && chromaAfter > 2,
      `coloured: mean chroma ${chromaBefore.toFixed(2)} before, ${chromaAfter.toFixed(2)} after`,
    );
    // Assembled in order: every even output frame is the source frame it was made from.
    for (let k = 0; k < before.length; k++) {
      const own = lumaDiff(after[2 * k]!, before[k]!);
      const nearest = before.map((f, j) => ({ j, d: lumaDiff(after[2 * k]!, f) })).sort((a, b) => a.d - b.d)[0]!;
      assert.ok(
        Math.abs(nearest.j - k) <= 1 || own < 3,
        `output frame ${2 * k} looks like source frame ${nearest.j}, not ${k} (${own.toFixed(2)} vs ${nearest.d.toFixed(2)})`,
      );
    }

    // Both colorize processes did some of the chunks (pino logs the pid of each).
    const colorizedBy = logs
      .map((l) => JSON.parse(l) as { msg?: string; mediaId?: string; chunk?: number; pid?: number })
      .filter((l) => l.msg === 'video chunk colorize done' && l.mediaId === id);
    assert.deepEqual(colorizedBy.map((l) => l.chunk).sort(), [0, 1, 2], 'each chunk colorized once');
    t.diagnostic(`colorized [chunk, pid]: ${JSON.stringify(colorizedBy.map((l) => [l.chunk, l.pid]))}`);
    assert.equal(
      new Set(colorizedBy.map((l) => l.pid)).size,
      2,
      `chunks by process: ${JSON.stringify(colorizedBy.map((l) => [l.chunk, l.pid]))}`,
    );
    await replica.stop();
  });

  it('doubles the frame rate of a clip without sound and of a variable-frame-rate phone clip, keeping their length and sound', async () => {
    const [silent, vfr] = await Promise.all([
      restore(silentClip, { scale: 1, frameRateFactor: 2, colorize: 'AUTO', repair: 'OFF' }),
      restore(vfrClip, { scale: 1, frameRateFactor: 2, colorize: 'OFF', repair: 'OFF' }),
    ]);
    assert.deepEqual(
      silent.probe.streams.map((s) => s.codec_type),
      ['video'],
    );
    assert.deepEqual([videoOf(silent.probe).r_frame_rate, videoOf(silent.probe).width], ['60/1', 160]);
    assert.ok(Math.abs(durationOf(silent.probe) - 1.5) <= 1 / 30 + 1e-3, `duration ${durationOf(silent.probe)}`);
    assert.ok(stagesDone(silent.messages).includes('COLORIZE:STAGE_SKIPPED'), 'a colour clip is not colorized under AUTO');

    // Resampled on its timestamps at its fast passages' 12.5 fps, then doubled: the picture keeps the audio's clock.
    const source = ffprobe(vfrClip);
    assert.equal(videoOf(vfr.probe).r_frame_rate, '25/1');
    assert.ok(
      Math.abs(durationOf(vfr.probe) - durationOf(source)) <= 1 / 12.5 + 1e-3,
      `duration ${durationOf(vfr.probe)} vs ${durationOf(source)}`,
    );
    const audio = vfr.probe.streams.find((s) => s.codec_type === 'audio');
    assert.ok(
      audio && Math.abs(Number(audio.duration) - durationOf(vfr.probe)) < 0.1,
      `audio ${audio?.duration} s beside video ${durationOf(vfr.probe)} s`,
    );
  });

  it('keeps picture and sound in sync at 29.97 fps, on a variable-frame-rate clip and when the picture starts after the sound', async (t) => {
    // Clips made here: a grey picture whose corner flashes white on one frame, with a 1 kHz beep
    // starting at that instant. Sync holds when the flash and the beep are as far apart in the
    // result as in the source (whatever the encoders' own rounding made of them there).
    const make = (name: string, rate: string, flashFrame: number, beepAt: number, extra: { vfr?: boolean; videoDelay?: number } = {}) => {
      const path = join(stateDir, name);
      const video = [
        `color=c=gray:s=64x48:r=${rate}:d=2`,
        `drawbox=x=0:y=0:w=16:h=12:c=white:t=fill:enable='eq(n\\,${flashFrame})'`,
        ...(extra.vfr ? ["select='not(mod(n\\,3))+eq(mod(n\\,7)\\,1)'"] : []),
      ].join(',');
      const audio = `aevalsrc='if(between(t\\,${beepAt}\\,${beepAt + 0.05})\\,sin(2*PI*1000*t)\\,0)':s=48000:d=2.5`;
      const delay = extra.videoDelay ? ['-itsoffset', String(extra.videoDelay)] : [];
      execFileSync('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        ...delay,
        '-f',
        'lavfi',
        '-i',
        video,
        '-f',
        'lavfi',
        '-i',
        audio,
        '-fps_mode',
        'passthrough',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-b:a',
        '96k',
        path,
      ]);
      return path;
    };
    const clips = {
      '29.97 fps': make('ntsc.mp4', '30000/1001', 30, (30 * 1001) / 30000),
      'variable rate': make('vfr.mp4', '30', 30, 1, { vfr: true }),
      'picture 0.5 s late': make('late.mkv', '25', 25, 1.5, { videoDelay: 0.5 }),
    };
    const results = await Promise.all(
      Object.values(clips).map((c) => restore(c, { scale: 1, frameRateFactor: 2, colorize: 'OFF', repair: 'OFF' })),
    );
    for (const [i, [name, source]] of Object.entries(clips).entries()) {
      const r = results[i]!;
      const [before, after] = [await flashToBeep(source), await flashToBeep(r.result)];
      const [num, den] = videoOf(r.probe).r_frame_rate!.split('/').map(Number);
      t.diagnostic(
        `${name}: flash - beep ${before.toFixed(4)} s in the source, ${after.toFixed(4)} s in the result (${videoOf(r.probe).r_frame_rate} fps)`,
      );
      assert.ok(Math.abs(after - before) <= den! / num! + 0.005, `${name}: picture and sound moved ${(after - before).toFixed(4)} s apart`);
    }
    assert.deepEqual(
      results.map((r) => videoOf(r.probe).r_frame_rate),
      ['60000/1001', '60/1', '50/1'],
    );
  });

  it('resumes after a crash: superres killed after its first chunk, the finished chunk is not redone and the video completes', async () => {
    const upload = await uploadFile(
      stack.graphqlUrl,
      chaplin,
      { scale: 2, frameRateFactor: 1, colorize: 'OFF', repair: 'OFF' },
      undefined,
      {
        token: stack.token,
      },
    );
    const id = upload.data!.uploadMedia.id;
    const doneBy = () =>
      logs
        .map((l) => JSON.parse(l) as { msg?: string; mediaId?: string; chunk?: number })
        .filter((l) => l.msg === 'video chunk superres done' && l.mediaId === id)
        .map((l) => l.chunk);
    const sub = subscribeWs(stack.graphqlUrl, id, undefined, { token: stack.token });
    await pollUntil(
      async () => doneBy(),
      (chunks) => chunks.length > 0,
      {
        what: `superres to finish the first chunk of ${id}`,
        timeoutMs: 60_000,
        intervalMs: 100,
        describe: () => describeMediaAt(stack.graphqlUrl, id, { token: stack.token }),
      },
    );
    assert.deepEqual(doneBy(), [0], 'superres finished its first chunk');
    await stack.services.superres.crashAndRestart();
    const messages = await sub.done;
    assert.equal(messages.at(-1)!.event, 'COMPLETED');
    assert.deepEqual(doneBy().sort(), [0, 1, 2], 'every chunk upscaled exactly once: the finished one was not redone');
    assert.equal(
      videoOf(
        ffprobe(
          await (async () => {
            const path = join(stateDir, `${id}.mp4`);
            await writeFile(path, new Uint8Array(await (await fetch((await mediaOf(id)).resultUrl!)).arrayBuffer()));
            return path;
          })(),
        ),
      ).nb_frames,
      '50',
    );
  });

  it('ends a truncated video FAILED with CORRUPT_VIDEO, and refuses at upload a video beyond the limits', async () => {
    const bytes = await readFile(chaplin);
    const upload = await uploadFile(stack.graphqlUrl, 'cut.mp4', {}, bytes.subarray(0, Math.floor(bytes.length * 0.55)), {
      token: stack.token,
    });
    assert.equal(upload.errors, undefined, JSON.stringify(upload.errors));
    const messages = await subscribeWs(stack.graphqlUrl, upload.data!.uploadMedia.id, undefined, { token: stack.token }).done;
    assert.equal(messages.at(-1)!.event === 'FAILED' || messages.at(-1)!.media.status === 'FAILED', true);
    const failed = await mediaOf(upload.data!.uploadMedia.id);
    assert.deepEqual([failed.status, failed.error?.code, failed.error?.stage], ['FAILED', 'CORRUPT_VIDEO', 'PREPROCESS']);

    const count = async () =>
      (
        await query<{ medias: { edges: unknown[] } }>(
          stack.graphqlUrl,
          '{ medias(first: 100) { edges { cursor } } }',
          {},
          { token: stack.token },
        )
      ).data!.medias.edges.length;
    const before = await count();
    const large = await uploadFile(stack.graphqlUrl, chaplin, { scale: 4 }, undefined, { token: stack.token });
    assert.equal(large.errors?.[0]?.extensions?.code, 'OUTPUT_TOO_LARGE');
    assert.match(large.errors![0]!.message, /768x432 \(331776 pixels\); the limit is 200000/);
    assert.equal(await count(), before, 'nothing was recorded');
  });
});
