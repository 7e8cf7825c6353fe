import type { FrameRate } from './frame-rate.ts';

/** Where one output frame falls between two input frames: `t` of the way from `a` to `b`. */
export interface PlannedFrame {
  /** Output frame index in the whole video. */
  readonly index: number;
  /** Input frame indexes in the whole video; a == b when the frame is an input frame or held. */
  readonly a: number;
  readonly b: number;
  /** 0 ≤ t < 1. */
  readonly t: number;
}

/** The range of output frames whose times fall within input frames [first, first + count). */
export function outputRange(first: number, count: number, inRate: FrameRate, outRate: FrameRate): { first: number; count: number } {
  const { p, q } = ratio(inRate, outRate);
  // Output frame m shows time m / outRate, i.e. input position m * p / q; it belongs to the chunk holding that position.
  const start = ceilDiv(BigInt(first) * q, p);
  const end = ceilDiv(BigInt(first + count) * q, p);
  return { first: Number(start), count: Number(end - start) };
}

/**
 * The output frames of input frames [first, first + count) at `outRate`, each placed by its
 * timestamp on the input's exact timeline, not by counting: output frame m is at m / outRate
 * seconds, between the input frames around m * inRate / outRate. Integer arithmetic throughout, so
 * 29.97 → 59.94 fps (or any other ratio) never drifts. Past the video's last input frame (there is
 * nothing to move towards) the last frame is held, so the output lasts exactly as long as the input.
 */
export function planOutputFrames(
  first: number,
  count: number,
  inRate: FrameRate,
  outRate: FrameRate,
  lastInputFrame: number,
): PlannedFrame[] {
  const { p, q } = ratio(inRate, outRate);
  const range = outputRange(first, count, inRate, outRate);
  const frames: PlannedFrame[] = [];
  for (let m = range.first; m < range.first + range.count; m++) {
    const position = BigInt(m) * p;
    const a = Number(position / q);
    const t = Number(position % q) / Number(q);
    if (t === 0 || a >= lastInputFrame) frames.push({ index: m, a: Math.min(a, lastInputFrame), b: Math.min(a, lastInputFrame), t: 0 });
    else frames.push({ index: m, a, b: a + 1, t });
  }
  return frames;
}

/** Input position of output frame m is m * p / q. */
function ratio(inRate: FrameRate, outRate: FrameRate): { p: bigint; q: bigint } {
  return { p: BigInt(outRate.den) * BigInt(inRate.num), q: BigInt(outRate.num) * BigInt(inRate.den) };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
