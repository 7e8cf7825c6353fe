// Raw frames over ffmpeg pipes: one ffmpeg decodes to packed rgb24 on stdout, another encodes
// from stdin. A chunk of thousands of frames never becomes a directory of images, and memory
// holds a frame or two whatever the length.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { formatFrameRate, type FrameRate } from './frame-rate.ts';
import { tidyStderr, ToolUnavailableError } from './tools.ts';
import type { FailureCode } from '@revive/contracts';

/** ffmpeg failed on a video it was given: the content is damaged or not what it claims. */
export class VideoDecodeError extends Error {
  override readonly name = 'VideoDecodeError';
  readonly retryable = false;
  readonly code = 'CORRUPT_VIDEO' satisfies FailureCode;
}

/** ffmpeg failed while writing: a bug or a full disk, not the user's video; worth another try. */
export class VideoEncodeError extends Error {
  override readonly name = 'VideoEncodeError';
  readonly retryable = true;
}

export interface FrameReaderOptions {
  readonly input: string;
  /** Size of the frames ffmpeg is asked to produce (after `filters`). */
  readonly width: number;
  readonly height: number;
  readonly ffmpegPath?: string;
  /** Input stream (`0:<index>`); the first video stream by default. */
  readonly streamIndex?: number;
  /** Start this many seconds in (input seeking: exact on all-intra intermediates). */
  readonly seekSeconds?: number;
  /** Start this many seconds before the end instead (the tail of a chunk). */
  readonly fromEndSeconds?: number;
  /** Stop after this many frames. */
  readonly maxFrames?: number;
  readonly filters?: readonly string[];
  /** Resample to this constant rate on the input's timestamps; without it every decoded frame comes out once. */
  readonly rate?: FrameRate;
  /** Extra stderr lines (ffmpeg's warnings) go here; errors end the read anyway. */
  readonly onWarning?: (line: string) => void;
}

function spawnFfmpeg(
  path: string | undefined,
  args: readonly string[],
  stdin: 'pipe' | 'ignore',
): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(path ?? 'ffmpeg', ['-hide_banner', '-nostats', ...args], { stdio: [stdin, 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = `${stderr}${c.toString('utf8')}`.slice(-4000)));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new ToolUnavailableError(`${path ?? 'ffmpeg'} is not installed (needed to process videos)`, { cause: error })
          : error,
      ),
    );
    child.once('close', (code) => resolve(code));
  });
  // Swallow the rejection until someone awaits it: a missing binary is reported where it is awaited.
  exit.catch(() => undefined);
  return { child, stderr: () => stderr, exit };
}

/**
 * Decodes a video into packed rgb24 frames of width x height, one Uint8Array each, in display
 * order. Backpressure is the pipe's own: ffmpeg waits while the consumer works on a frame.
 * Breaking out of the loop stops ffmpeg. A decode failure throws VideoDecodeError.
 */
export async function* readFrames(options: FrameReaderOptions): AsyncGenerator<Uint8Array> {
  const frameBytes = options.width * options.height * 3;
  const args = ['-v', 'error', '-nostdin'];
  if (options.seekSeconds) args.push('-ss', options.seekSeconds.toFixed(6));
  if (options.fromEndSeconds) args.push('-sseof', (-options.fromEndSeconds).toFixed(6));
  args.push('-i', options.input, '-map', options.streamIndex === undefined ? '0:v:0' : `0:${options.streamIndex}`);
  if (options.maxFrames !== undefined) args.push('-frames:v', String(options.maxFrames));
  if (options.filters?.length) args.push('-vf', options.filters.join(','));
  args.push(...(options.rate ? ['-fps_mode', 'cfr', '-r', formatFrameRate(options.rate)] : ['-fps_mode', 'passthrough']));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const { child, stderr, exit } = spawnFfmpeg(options.ffmpegPath, args, 'ignore');
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          yield frame;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const code = await exit;
    finished = true;
    if (code !== 0)
      throw new VideoDecodeError(`the video cannot be decoded: ${tidyStderr(stderr(), [options.input]) || `ffmpeg exited with ${code}`}`);
    if (filled !== 0) throw new VideoDecodeError(`the video's last frame is incomplete (${filled} of ${frameBytes} bytes)`);
    for (const line of stderr().split('\n').filter(Boolean)) options.onWarning?.(line.replaceAll(options.input, 'input'));
  } finally {
    if (!finished) child.kill('SIGKILL');
  }
}

/** Receives frames and hands them to an ffmpeg encoder. */
export interface FrameWriter {
  /** Resolves once ffmpeg has taken the frame (or has room for it). */
  write(frame: Uint8Array): Promise<void>;
  /** Closes the input and waits for the encoder to finish the file. */
  end(): Promise<void>;
  /** Stops the encoder; what it wrote is left to the caller to delete. */
  abort(): Promise<void>;
  readonly framesWritten: number;
}

export interface FrameWriterOptions {
  readonly width: number;
  readonly height: number;
  readonly rate: FrameRate;
  /** Everything after the raw-frame input: more inputs, maps, codecs, the output path. */
  readonly args: readonly string[];
  readonly ffmpegPath?: string;
}

/** Starts an ffmpeg that reads packed rgb24 frames of a constant rate from stdin: frame k is at k * den / num seconds exactly. */
export function openFrameWriter(options: FrameWriterOptions): FrameWriter {
  const frameBytes = options.width * options.height * 3;
  const input = [
    '-v',
    'error',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${options.width}x${options.height}`,
    '-r',
    formatFrameRate(options.rate),
    '-i',
    'pipe:0',
  ];
  const { child, stderr, exit } = spawnFfmpeg(options.ffmpegPath, [...input, ...options.args], 'pipe');
  const stdin = child.stdin!;
  let failure: Error | undefined;
  // EPIPE when ffmpeg quits early: the exit status says why.
  stdin.on('error', (error) => (failure ??= error));
  let framesWritten = 0;
  const failed = () => new VideoEncodeError(`ffmpeg could not encode: ${tidyStderr(stderr(), []) || failure?.message || 'it quit early'}`);
  return {
    get framesWritten() {
      return framesWritten;
    },
    async write(frame) {
      if (frame.length !== frameBytes)
        throw new RangeError(`frame of ${frame.length} bytes is not ${options.width}x${options.height} rgb24`);
      if (failure || child.exitCode !== null) throw failed();
      framesWritten++;
      if (!stdin.write(frame)) await Promise.race([once(stdin, 'drain'), exit]);
    },
    async end() {
      stdin.end();
      const code = await exit;
      if (code !== 0) throw failed();
    },
    async abort() {
      stdin.destroy();
      child.kill('SIGKILL');
      await exit.catch(() => undefined);
    },
  };
}

/** ffmpeg quit with an error on frames it was handed in memory (a filter run, not a user's file). */
export class FfmpegRunError extends Error {
  override readonly name = 'FfmpegRunError';
  readonly retryable = true;
}

export interface FrameFilterOptions {
  /** Packed rgb24 frames of width x height at `rate`, in order. */
  readonly frames: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  readonly width: number;
  readonly height: number;
  readonly rate: FrameRate;
  /** An ffmpeg filter chain that keeps the frame size (`minterpolate=fps=50/1`, say). */
  readonly filter: string;
  /** Frames to take from the filter's output; fewer is an FfmpegRunError. */
  readonly outputFrames: number;
  readonly ffmpegPath?: string;
}

/**
 * Streams frames through one ffmpeg filter run: frames go in on stdin as they come (with the
 * pipe's backpressure), the filtered ones come out one at a time. One process for a whole chunk,
 * where a filter run per frame pair would start ffmpeg and redo its analysis for every pair.
 * The one way to run such a filter; fluent-ffmpeg is not used (archived in 2025; its stream
 * handling also reported ffmpeg closing its input early, normal here, as an error).
 */
export async function* filterFrames(options: FrameFilterOptions): AsyncGenerator<Uint8Array> {
  const frameBytes = options.width * options.height * 3;
  const args = [
    '-v',
    'error',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${options.width}x${options.height}`,
    '-r',
    formatFrameRate(options.rate),
    '-i',
    'pipe:0',
    '-vf',
    options.filter,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-frames:v',
    String(options.outputFrames),
    'pipe:1',
  ];
  const { child, stderr, exit } = spawnFfmpeg(options.ffmpegPath, args, 'pipe');
  const stdin = child.stdin!;
  // EPIPE once ffmpeg has its output frames and quits: the exit status decides.
  stdin.on('error', () => undefined);
  const feeding = (async () => {
    for await (const frame of options.frames) {
      if (stdin.destroyed || child.exitCode !== null) break;
      // Not events.once: it rejects on the EPIPE that ends a normal run.
      if (!stdin.write(frame)) await Promise.race([new Promise((resolve) => stdin.once('drain', resolve)), exit.catch(() => undefined)]);
    }
    stdin.end();
  })();
  feeding.catch(() => child.kill('SIGKILL'));
  let pending: Buffer = Buffer.alloc(0);
  let produced = 0;
  try {
    for await (const data of child.stdout! as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, data]) : data;
      while (pending.length >= frameBytes && produced < options.outputFrames) {
        yield new Uint8Array(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        produced++;
      }
    }
    await feeding;
    const code = await exit;
    if (code !== 0)
      throw new FfmpegRunError(
        `ffmpeg filter ${options.filter} exited with status ${String(code)}: ${tidyStderr(stderr(), []) || 'no message'}`,
      );
    if (produced < options.outputFrames)
      throw new FfmpegRunError(`ffmpeg filter ${options.filter} gave ${produced} frames, ${options.outputFrames} were asked for`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exit.catch(() => undefined);
  }
}

/**
 * The intermediate every video stage writes its chunks in: FFV1 (lossless, every frame a key
 * frame) in Matroska, RGB as the models see it. Lossless, because a chunk is decoded and encoded
 * again by each of four stages and a lossy codec would compound its artefacts; intra-only, so any
 * chunk (and any frame of it) decodes on its own. Files are several times larger than H.264,
 * which is fine for seconds-long chunks that live until the video is published.
 */
export function intermediateOutputArgs(path: string): string[] {
  return [
    '-an',
    '-sn',
    '-c:v',
    'ffv1',
    '-level',
    '3',
    '-g',
    '1',
    '-slices',
    '4',
    '-slicecrc',
    '1',
    '-pix_fmt',
    'bgr0',
    '-f',
    'matroska',
    '-y',
    path,
  ];
}

export const INTERMEDIATE_CONTENT_TYPE = 'video/x-matroska';

/** Writes frames into an intermediate chunk file (tests, benchmarks, and stages that build chunks from memory). */
export async function writeIntermediate(
  path: string,
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  width: number,
  height: number,
  rate: FrameRate,
  ffmpegPath?: string,
): Promise<number> {
  const writer = openFrameWriter({ width, height, rate, args: intermediateOutputArgs(path), ffmpegPath });
  try {
    for await (const frame of frames) await writer.write(frame);
    await writer.end();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.framesWritten;
}
