import { execFile } from 'node:child_process';
import { ANALYSIS_SIZE, analyseColour, type ColourAnalysis } from '@revive/colorizer';

/** Where ffprobe and ffmpeg are, and how long one call may take before it counts as hung. */
export interface MediaTools {
  readonly ffprobePath: string;
  readonly ffmpegPath: string;
  readonly timeoutMs: number;
}

export const defaultMediaTools: MediaTools = { ffprobePath: 'ffprobe', ffmpegPath: 'ffmpeg', timeoutMs: 60_000 };

/** ffmpeg/ffprobe is not installed where this replica runs: the operator's problem, not the upload's. */
export class ToolUnavailableError extends Error {
  override readonly name = 'ToolUnavailableError';
  readonly retryable = false;
  readonly code = 'FFMPEG_UNAVAILABLE';
}

/** The tool ran and refused its input: the content is not something it can read. */
export class ToolRejectedError extends Error {
  override readonly name = 'ToolRejectedError';
  readonly retryable = false;
}

/** The tool did not finish in time; the machine may just be busy, so this is worth another try. */
export class ToolTimeoutError extends Error {
  override readonly name = 'ToolTimeoutError';
  readonly retryable = true;
}

/** Runs a tool on `input`; its messages name the input "input", not our temp path (they reach clients). */
function runTool(path: string, args: readonly string[], input: string, timeoutMs: number, maxBuffer: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { encoding: 'buffer', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const { code, killed } = error as NodeJS.ErrnoException & { killed?: boolean };
      if (code === 'ENOENT') return reject(new ToolUnavailableError(`${path} is not installed (needed to read videos)`, { cause: error }));
      if (killed) return reject(new ToolTimeoutError(`${path} took longer than ${timeoutMs} ms`, { cause: error }));
      const said = stderr.toString('utf8').replaceAll(input, 'input').trim().split('\n').slice(-3).join(' | ');
      reject(new ToolRejectedError(said || `${path} exited with status ${String(code)}`, { cause: error }));
    });
  });
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
}
interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string };
}

/** What ffprobe found: a video with its geometry, or why the content is not one. */
export type VideoProbe =
  | {
      readonly kind: 'video';
      readonly container: string;
      readonly codec: string;
      readonly streamIndex: number;
      /** As displayed: a quarter-turn rotation in the container swaps the coded sides. */
      readonly width: number;
      readonly height: number;
      readonly frames: number;
      readonly fps: number;
      readonly durationSeconds: number;
      readonly hasAudio: boolean;
    }
  | { readonly kind: 'not-video'; readonly detail: string };

/** "30000/1001" → 29.97; undefined for "0/0" and other non-rates. */
function parseRate(rate: string | undefined): number | undefined {
  const [n, d] = (rate ?? '').split('/').map(Number);
  const value = d === undefined ? n : n! / d;
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

// Still-image demuxers (jpeg_pipe, png_pipe, image2…) and ffmpeg's text renderer show one "video" stream too.
const isStillFormat = (name: string) => name.split(',').some((f) => /^(image2|tty|apng|gif)$|_pipe$/.test(f));

export async function probeVideo(tools: MediaTools, path: string): Promise<VideoProbe> {
  let probe: FfprobeOutput;
  try {
    const out = await runTool(tools.ffprobePath, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], path, tools.timeoutMs, 16 << 20);
    probe = JSON.parse(out.toString('utf8')) as FfprobeOutput;
  } catch (error) {
    if (error instanceof ToolRejectedError || error instanceof SyntaxError) return { kind: 'not-video', detail: `ffprobe cannot read it (${error.message})` };
    throw error;
  }
  const container = probe.format?.format_name ?? 'unknown';
  if (isStillFormat(container)) return { kind: 'not-video', detail: `ffprobe sees a still image or text (${container})` };
  // Cover art in an audio file is a "video" stream too, marked as an attached picture.
  const video = probe.streams?.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (!video?.width || !video.height) return { kind: 'not-video', detail: `no video stream in ${container}` };
  const fps = parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate);
  if (fps === undefined) return { kind: 'not-video', detail: `the video stream of ${container} has no frame rate` };
  const durationSeconds = Number(video.duration ?? probe.format?.duration ?? NaN);
  // Some containers (Matroska, WebM) carry no frame count: estimate it from duration and rate.
  const counted = Number.parseInt(video.nb_frames ?? '', 10);
  const frames = counted > 0 ? counted : Number.isFinite(durationSeconds) ? Math.round(durationSeconds * fps) : 0;
  if (frames < 1) return { kind: 'not-video', detail: `the video stream of ${container} has no frames` };
  const rotation = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(video.tags?.rotate ?? 0);
  const quarterTurn = Math.abs(Math.round(rotation)) % 180 === 90;
  return {
    kind: 'video',
    container,
    codec: video.codec_name ?? 'unknown',
    streamIndex: video.index,
    width: quarterTurn ? video.height : video.width,
    height: quarterTurn ? video.width : video.height,
    frames,
    fps,
    durationSeconds: Number.isFinite(durationSeconds) ? durationSeconds : frames / fps,
    hasAudio: probe.streams?.some((s) => s.codec_type === 'audio') ?? false,
  };
}

/** Where the colour samples are taken, as fractions of the duration: one grey title card must not decide for a colour film. */
export const SAMPLE_POINTS = [0.1, 0.5, 0.9] as const;

/**
 * Decodes a few frames spread over the video into small RGB thumbnails and runs the
 * colorizer's monochrome test on them together. Decoding them also proves the stream is
 * decodable: a ToolRejectedError here means the video cannot be read.
 */
export async function sampleVideoColour(tools: MediaTools, path: string, video: Extract<VideoProbe, { kind: 'video' }>, onSample: () => void): Promise<ColourAnalysis | undefined> {
  const frameBytes = ANALYSIS_SIZE * ANALYSIS_SIZE * 3;
  const samples: Uint8Array[] = [];
  for (const at of SAMPLE_POINTS) {
    const args = ['-v', 'error', '-nostdin', '-ss', (video.durationSeconds * at).toFixed(3), '-i', path, '-map', `0:${video.streamIndex}`, '-frames:v', '1'];
    args.push('-vf', `scale=${ANALYSIS_SIZE}:${ANALYSIS_SIZE}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
    const out = await runTool(tools.ffmpegPath, args, path, tools.timeoutMs, frameBytes * 4);
    if (out.length >= frameBytes) samples.push(out.subarray(0, frameBytes));
    onSample();
  }
  if (samples.length === 0) return undefined;
  const all = new Uint8Array(samples.length * frameBytes);
  samples.forEach((s, i) => all.set(s, i * frameBytes));
  return analyseColour(all, 3);
}
