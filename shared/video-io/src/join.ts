import { openFrameWriter, readFrames } from './frame-pipes.ts';
import type { FrameRate } from './frame-rate.ts';

/** One processed chunk to join: how many of its frames belong to it (overlap excluded), and its file. */
export interface JoinChunk {
  readonly frames: number;
  /** Fetched only when the join reaches the chunk, so a long video never sits on disk whole. */
  fetch(): Promise<string>;
  /** Called once the chunk's frames are encoded (delete the local copy). */
  release?(): Promise<void>;
}

/** Where the sound (and text subtitles) of the result come from. */
export interface OriginalStreams {
  readonly path: string;
  readonly hasAudio: boolean;
  readonly textSubtitleStreams: readonly number[];
}

export interface JoinRequest {
  /** In order. */
  readonly chunks: readonly JoinChunk[];
  readonly width: number;
  readonly height: number;
  readonly rate: FrameRate;
  readonly output: string;
  readonly original?: OriginalStreams;
  /** Length of the video; the audio is cut to it so the container does not outlast the picture. */
  readonly durationSeconds: number;
  /** Output frame to keep as the poster (a copy of its rgb24 pixels is returned). */
  readonly posterFrame: number;
  readonly preset?: string;
  readonly crf?: number;
  readonly ffmpegPath?: string;
  readonly onFrame?: (framesDone: number) => void | Promise<void>;
}

/**
 * The result's encoding: H.264 High in yuv420p (what every phone, browser and TV plays), CRF 19
 * (visually transparent for restored footage) at `medium`, AAC audio, text subtitles as mov_text,
 * and the index at the front (+faststart) so playback starts before the download ends. HD and up
 * is tagged BT.709, smaller frames BT.601, as players assume for untagged video of those sizes.
 */
function encodeArgs(request: JoinRequest): string[] {
  const args: string[] = [];
  const original = request.original;
  // Frame 0 is at the original's time 0: preprocess resamples on the file's own clock and fills a
  // late-starting video from the start. So the original's streams go in as they are, on that clock.
  if (original) args.push('-t', request.durationSeconds.toFixed(6), '-i', original.path);
  // The picture comes from the chunks; only the original's audio and subtitles are decoded here.
  // ffmpeg fails the whole run when more than 2/3 of decoded frames had errors (-max_error_rate),
  // so a corrupt audio track failed the item; its decoder conceals what it cannot read instead.
  if (original) args.push('-max_error_rate', '1');
  args.push('-map', '0:v:0');
  if (original?.hasAudio) args.push('-map', '1:a?');
  for (const index of original?.textSubtitleStreams ?? []) args.push('-map', `1:${index}`);
  const hd = request.height >= 720;
  // yuv420p needs even sides: an odd one loses its last row or column.
  args.push('-vf', `crop=trunc(iw/2)*2:trunc(ih/2)*2,scale=out_color_matrix=${hd ? 'bt709' : 'bt601'}:out_range=tv,format=yuv420p`);
  args.push('-c:v', 'libx264', '-preset', request.preset ?? 'medium', '-crf', String(request.crf ?? 19), '-profile:v', 'high');
  args.push(...(hd ? ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'] : ['-colorspace', 'smpte170m']));
  if (original?.hasAudio) args.push('-c:a', 'aac', '-b:a', '160k');
  if (original?.textSubtitleStreams.length) args.push('-c:s', 'mov_text');
  args.push('-movflags', '+faststart', '-f', 'mp4', '-y', request.output);
  return args;
}

/**
 * Joins processed chunks into the result: their frames, in order, go through one encoder at the
 * exact output rate (frame k at k / rate seconds, whatever the chunk boundaries), with the
 * original's audio and subtitles muxed in from the same instant. Returns the frame count and the
 * poster frame's pixels.
 */
export async function joinChunks(request: JoinRequest): Promise<{ frames: number; poster: Uint8Array }> {
  const { width, height } = request;
  const writer = openFrameWriter({ width, height, rate: request.rate, args: encodeArgs(request), ffmpegPath: request.ffmpegPath });
  let poster: Uint8Array | undefined;
  try {
    for (const [i, chunk] of request.chunks.entries()) {
      let taken = 0;
      // Exactly the chunk's own frames: an overlap frame at its end belongs to the next chunk.
      const input = await chunk.fetch();
      for await (const frame of readFrames({ input, width, height, maxFrames: chunk.frames, ffmpegPath: request.ffmpegPath })) {
        if (writer.framesWritten === request.posterFrame) poster = frame.slice();
        await writer.write(frame);
        taken++;
        await request.onFrame?.(writer.framesWritten);
      }
      if (taken !== chunk.frames) throw new Error(`chunk ${i} holds ${taken} frames, its event says ${chunk.frames}`);
      await chunk.release?.();
    }
    await writer.end();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { frames: writer.framesWritten, poster: poster ?? new Uint8Array(width * height * 3) };
}
