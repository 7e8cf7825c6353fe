import { chooseConstantRate, isConstantRate, type FrameRate } from './frame-rate.ts';
import { runTool, ToolRejectedError, type MediaTools } from './tools.ts';

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
  start_time?: string;
  sample_aspect_ratio?: string;
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; start_time?: string };
}

/** Subtitle codecs that MP4 can carry (as mov_text); bitmap subtitles (DVD, PGS) cannot be. */
const TEXT_SUBTITLES = new Set(['subrip', 'srt', 'ass', 'ssa', 'mov_text', 'webvtt', 'text']);

/** Above this many frames, packet times are not read (ffprobe would take seconds to list them). */
const MAX_TIMED_FRAMES = 40_000;

/** A readable video: its geometry and timing, and what else the file carries. */
export interface VideoInfo {
  readonly kind: 'video';
  readonly container: string;
  readonly codec: string;
  readonly streamIndex: number;
  /** As displayed: a quarter-turn rotation in the container swaps the coded sides; non-square pixels are made square. */
  readonly width: number;
  readonly height: number;
  /** Frames announced by the header (or estimated from duration and rate). */
  readonly frames: number;
  readonly fps: number;
  readonly durationSeconds: number;
  /** The exact constant rate the video is processed at (see chooseConstantRate). */
  readonly frameRate: FrameRate;
  readonly variableRate: boolean;
  /** Where the video stream starts on the file's timeline (some files open with audio only). */
  readonly startSeconds: number;
  readonly hasAudio: boolean;
  /** Stream indexes of text subtitles, which the result keeps. */
  readonly textSubtitleStreams: readonly number[];
}

/** What ffprobe found: a video, or why the content is not one. */
export type VideoProbe = VideoInfo | { readonly kind: 'not-video'; readonly detail: string };

/** "30000/1001" → 29.97; undefined for "0/0" and other non-rates. */
function parseRate(rate: string | undefined): number | undefined {
  const [n, d] = (rate ?? '').split('/').map(Number);
  const value = d === undefined ? n : n! / d;
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

// Still-image demuxers (jpeg_pipe, png_pipe, image2…) and ffmpeg's text renderer show one "video" stream too.
const isStillFormat = (name: string) => name.split(',').some((f) => /^(image2|tty|apng|gif)$|_pipe$/.test(f));

/**
 * Probes a file with ffprobe (headers only, nothing decoded), and lists its packet times to tell
 * constant from variable rate unless `frameTimes` is false (a quick look at length and size).
 */
export async function probeVideo(tools: MediaTools, path: string, options: { frameTimes?: boolean } = {}): Promise<VideoProbe> {
  let probe: FfprobeOutput;
  try {
    const out = await runTool(
      tools.ffprobePath,
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
      path,
      tools.timeoutMs,
      16 << 20,
    );
    probe = JSON.parse(out.toString('utf8')) as FfprobeOutput;
  } catch (error) {
    if (error instanceof ToolRejectedError || error instanceof SyntaxError)
      return { kind: 'not-video', detail: `ffprobe cannot read it (${error.message})` };
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
  // Frame times decide constant or variable rate; a very long video is judged by its header alone.
  const frameTimes = options.frameTimes !== false && frames <= MAX_TIMED_FRAMES ? await packetTimes(tools, path, video.index) : undefined;
  const timing = { baseRate: video.r_frame_rate, averageRate: video.avg_frame_rate, frameTimes };
  const variableRate = !isConstantRate(timing);
  const rotation = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(video.tags?.rotate ?? 0);
  const quarterTurn = Math.abs(Math.round(rotation)) % 180 === 90;
  const sar = parseRate(video.sample_aspect_ratio) ?? 1;
  // Non-square pixels are widened (or narrowed) to square ones, as a player would show them.
  const codedWidth = Math.abs(sar - 1) < 1e-3 ? video.width : Math.max(2, Math.round((video.width * sar) / 2) * 2);
  const start = Number(video.start_time ?? 0) - Number(probe.format?.start_time ?? 0);
  return {
    kind: 'video',
    container,
    codec: video.codec_name ?? 'unknown',
    streamIndex: video.index,
    width: quarterTurn ? video.height : codedWidth,
    height: quarterTurn ? codedWidth : video.height,
    frames,
    fps,
    durationSeconds: Number.isFinite(durationSeconds) ? durationSeconds : frames / fps,
    frameRate: chooseConstantRate(timing),
    variableRate,
    startSeconds: Number.isFinite(start) && start > 0 ? start : 0,
    hasAudio: probe.streams?.some((s) => s.codec_type === 'audio') ?? false,
    textSubtitleStreams: (probe.streams ?? [])
      .filter((s) => s.codec_type === 'subtitle' && TEXT_SUBTITLES.has(s.codec_name ?? ''))
      .map((s) => s.index),
  };
}

/** Presentation times of a stream's packets (demuxed, not decoded: fast even for long files). */
async function packetTimes(tools: MediaTools, path: string, streamIndex: number): Promise<number[]> {
  const out = await runTool(
    tools.ffprobePath,
    ['-v', 'error', '-select_streams', String(streamIndex), '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', path],
    path,
    tools.timeoutMs,
    64 << 20,
  );
  return out
    .toString('utf8')
    .split('\n')
    .map((l) => Number.parseFloat(l))
    .filter((t) => Number.isFinite(t));
}
