import { outputSizeProblems, type EnhanceOptions, type FailureCode, type OutputLimits, type OutputSizeProblem } from '@revive/contracts';

/** What a restored video may be (config.video): checked by the gateway at upload and by preprocess. */
export interface VideoLimitSettings extends Readonly<OutputLimits['video']> {
  readonly maxSeconds: number;
  readonly maxOutputFps: number;
}

/** A limit the video would break with these options. */
export interface VideoLimitProblem {
  /** The failure code preprocess reports; the gateway answers the output-size ones with OUTPUT_TOO_LARGE, the others with BAD_USER_INPUT. */
  readonly code: Extract<FailureCode, 'VIDEO_TOO_LONG' | 'FRAME_RATE_TOO_HIGH' | OutputSizeProblem['code']>;
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
 * Every limit the restored video would break: its length, its output frame after super-resolution
 * and its output pixels over all frames (contracts' outputSizeProblems, as every stage checks
 * them), its output rate after interpolation. Empty when the request is within bounds. One
 * function, so the gateway's early answer and preprocess's final one never disagree.
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
  const frames = Math.max(1, Math.round(video.durationSeconds * video.fps));
  problems.push(...outputSizeProblems('video', { width: video.width, height: video.height, frames }, options, limits));
  const outFps = video.fps * options.frameRateFactor;
  if (outFps > limits.maxOutputFps + 1e-6) {
    problems.push({
      code: 'FRAME_RATE_TOO_HIGH',
      message: `frame-rate factor ${options.frameRateFactor} makes ${video.fps.toFixed(3)} fps into ${outFps.toFixed(3)} fps; the limit is ${limits.maxOutputFps} fps`,
    });
  }
  return problems;
}
