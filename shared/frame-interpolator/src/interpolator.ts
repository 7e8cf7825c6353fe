import { assertSameSize, copyFrame, type RgbFrame } from './frame.ts';
import { detectSceneCut, type SceneCut } from './scene-cut.ts';

/** An engine that synthesises the frame at time t ∈ (0, 1) between two frames. */
export interface FrameInterpolator {
  readonly name: string;
  interpolate(a: RgbFrame, b: RgbFrame, t: number): Promise<RgbFrame>;
  /**
   * For an engine that is an ffmpeg filter: the filter chain that resamples a whole run of
   * frames to `outputRate` (an exact "num/den"), so a chunk goes through one ffmpeg. Its frame k
   * is at k / outputRate from the first input frame, as `interpolate` would place it; it holds,
   * rather than blends, across a scene cut.
   */
  sequenceFilter?(outputRate: string): string;
}

export interface InterpolatedFrame {
  readonly frame: RgbFrame;
  /** `held`: the two frames straddle a scene cut, so the nearer one is repeated instead of blended. */
  readonly how: 'synthesised' | 'input' | 'held';
  readonly cut?: SceneCut;
}

/**
 * The one entry point the interpolate stage uses: checks the inputs, returns the inputs
 * themselves at t = 0 and t = 1, and never blends across a scene cut.
 */
export async function interpolateFrame(engine: FrameInterpolator, a: RgbFrame, b: RgbFrame, t: number): Promise<InterpolatedFrame> {
  assertSameSize(a, b);
  if (!(t >= 0 && t <= 1)) throw new RangeError(`t must lie in [0, 1], got ${t}`);
  if (t === 0) return { frame: copyFrame(a), how: 'input' };
  if (t === 1) return { frame: copyFrame(b), how: 'input' };
  const cut = detectSceneCut(a, b);
  if (cut.isCut) return { frame: copyFrame(t < 0.5 ? a : b), how: 'held', cut };
  return { frame: await engine.interpolate(a, b, t), how: 'synthesised', cut };
}
