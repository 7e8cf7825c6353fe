import { join } from 'node:path';
import {
  framesPerChunk,
  intermediateOutputArgs,
  openFrameWriter,
  readFrames,
  type FrameWriter,
  type MediaTools,
  type VideoInfo,
} from '@revive/video-io';

/** One chunk file as written: its own frames, plus the next chunk's first frame when one follows. */
export interface SplitChunk {
  readonly path: string;
  readonly firstFrame: number;
  readonly frames: number;
  readonly overlapFrames: number;
}

export interface SplitResult {
  readonly chunks: readonly SplitChunk[];
  readonly frames: number;
  /** ffmpeg's complaints while decoding (damaged data it skipped). */
  readonly errors: readonly string[];
}

/**
 * Decodes the upload once and writes it as chunks of about `chunkSeconds` in the lossless
 * intermediate, at the video's exact constant rate: ffmpeg places every decoded frame by its
 * timestamp on that rate's grid (repeating a frame where a variable-rate phone clip paused, never
 * shifting one), so the picture stays where the audio expects it. The grid starts at the file's
 * time 0, as the audio does: a video stream that starts late opens on its first frame, repeated.
 * Rotation and non-square pixels
 * are applied here, once. Each chunk but the last also ends with the next chunk's first frame:
 * interpolation needs it to fill the gap across the cut.
 */
export async function splitIntoChunks(
  tools: MediaTools,
  input: string,
  video: VideoInfo,
  dir: string,
  chunkSeconds: number,
  /** onFrame hears each decoded frame (packed rgb24, a fresh buffer the callee may keep) and how many so far. */
  handlers: { onFrame(frames: number, frame: Uint8Array): void; onChunk(chunk: SplitChunk, index: number): Promise<void> },
): Promise<SplitResult> {
  const perChunk = framesPerChunk(video.frameRate, chunkSeconds);
  const chunks: SplitChunk[] = [];
  const errors: string[] = [];
  let writer: FrameWriter | undefined;
  let path = '';
  let frames = 0;
  const open = () => {
    path = join(dir, `chunk-${chunks.length}.mkv`);
    writer = openFrameWriter({
      width: video.width,
      height: video.height,
      rate: video.frameRate,
      args: intermediateOutputArgs(path),
      ffmpegPath: tools.ffmpegPath,
    });
  };
  const close = async (overlapFrames: number) => {
    await writer!.end();
    const first = chunks.length * perChunk;
    const chunk = { path, firstFrame: first, frames: frames - first, overlapFrames };
    // Handed over (stored) as soon as it is written: the work directory holds a chunk or two, never the video.
    await handlers.onChunk(chunk, chunks.length);
    chunks.push(chunk);
  };
  try {
    const decoded = readFrames({
      input,
      width: video.width,
      height: video.height,
      streamIndex: video.streamIndex,
      filters: [`scale=${video.width}:${video.height}:flags=bicubic`, 'setsar=1'],
      rate: video.frameRate,
      ffmpegPath: tools.ffmpegPath,
      onWarning: (line) => errors.push(line),
    });
    for await (const frame of decoded) {
      if (frames > 0 && frames % perChunk === 0) {
        await writer!.write(frame);
        await close(1);
        open();
      }
      if (!writer) open();
      await writer!.write(frame);
      frames++;
      handlers.onFrame(frames, frame);
    }
    if (writer) await close(0);
  } catch (error) {
    await writer?.abort();
    throw error;
  }
  return { chunks, frames, errors };
}
