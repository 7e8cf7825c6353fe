import { ANALYSIS_SIZE, analyseColour, type ColourAnalysis } from '@revive/colorizer';
import { runTool, type MediaTools, type VideoInfo } from '@revive/video-io';

// Probing lives with the rest of the ffmpeg plumbing in @revive/video-io; preprocess re-exports
// what its callers used to import from here.
export { defaultMediaTools, probeVideo, ToolRejectedError, type MediaTools, type VideoProbe } from '@revive/video-io';

/** Where the colour samples are taken, as fractions of the duration: one grey title card must not decide for a colour film. */
export const SAMPLE_POINTS = [0.1, 0.5, 0.9] as const;

/**
 * Decodes a few frames spread over the video into small RGB thumbnails and runs the
 * colorizer's monochrome test on them together. Decoding them also proves the stream is
 * decodable: a ToolRejectedError here means the video cannot be read.
 */
export async function sampleVideoColour(
  tools: MediaTools,
  path: string,
  video: VideoInfo,
  onSample: () => void,
): Promise<ColourAnalysis | undefined> {
  const frameBytes = ANALYSIS_SIZE * ANALYSIS_SIZE * 3;
  const samples: Uint8Array[] = [];
  for (const at of SAMPLE_POINTS) {
    const args = [
      '-v',
      'error',
      '-nostdin',
      '-ss',
      (video.startSeconds + video.durationSeconds * at).toFixed(3),
      '-i',
      path,
      '-map',
      `0:${video.streamIndex}`,
      '-frames:v',
      '1',
    ];
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
