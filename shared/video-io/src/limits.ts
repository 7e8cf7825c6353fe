import type { EnhanceOptions } from '@revive/contracts';

/** What a restored video may be (config.video): checked by the gateway at upload and by preprocess. */
export interface VideoLimitSettings {
  readonly maxSeconds: number;
  readonly maxOutputPixels: number;
  readonly maxOutputFps: number;
}

/** A limit the video would break with these options. */
export interface VideoLimitProblem {
  /** The failure code preprocess reports (the gateway maps them all to BAD_USER_INPUT). */
  readonly code: 'VIDEO_TOO_LONG' | 'VIDEO_TOO_LARGE' | 'FRAME_RATE_TOO_HIGH';
  readonly message: string;
}

/** The source as probed: displayed size, length, rate. */
export interface VideoShape {
  readonly width: number;
  readonly height: number;
  readonly durationSeconds: number;
  readonly fps: number;
}

/**
 * Every limit the restored video would break: its length, its output frame after super-resolution,
 * its output rate after interpolation. Empty when the request is within bounds. One function, so
 * the gateway's early answer and preprocess's final one never disagree.
 */
export function videoLimitProblems(
  video: VideoShape,
  options: Pick<EnhanceOptions, 'scale' | 'frameRateFactor'>,
  limits: VideoLimitSettings,
): VideoLimitProblem[] {
  const problems: VideoLimitProblem[] = [];
  if (video.durationSeconds > limits.maxSeconds) {
    problems.push({
      code: 'VIDEO_TOO_LONG',
      message: `the video lasts ${video.durationSeconds.toFixed(1)} s; the limit is ${limits.maxSeconds} s`,
    });
  }
  const outW = video.width * options.scale;
  const outH = video.height * options.scale;
  if (outW * outH > limits.maxOutputPixels) {
    problems.push({
      code: 'VIDEO_TOO_LARGE',
      message: `scale ${options.scale} makes ${video.width}x${video.height} into ${outW}x${outH} (${outW * outH} pixels); the limit is ${limits.maxOutputPixels} pixels per frame: choose a smaller scale`,
    });
  }
  const outFps = video.fps * options.frameRateFactor;
  if (outFps > limits.maxOutputFps + 1e-6) {
    problems.push({
      code: 'FRAME_RATE_TOO_HIGH',
      message: `frame-rate factor ${options.frameRateFactor} makes ${video.fps.toFixed(3)} fps into ${outFps.toFixed(3)} fps; the limit is ${limits.maxOutputFps} fps`,
    });
  }
  return problems;
}
