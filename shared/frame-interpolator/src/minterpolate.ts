import { filterFrames } from '@revive/video-io';
import { assertSameSize } from './frame.ts';
import type { FrameInterpolator } from './interpolator.ts';

/** The filter any user could run by hand: motion-compensated, bidirectional, overlapped blocks. */
export const MINTERPOLATE_OPTIONS = 'mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1';

/** Largest denominator tried when expressing t as k/n output frames of ffmpeg's grid. */
const MAX_DENOMINATOR = 64;

/** t as k/n with the smallest n ≤ 64 that represents it within half a frame of 1/64. */
export function asFraction(t: number): [number, number] {
  for (let n = 2; n <= MAX_DENOMINATOR; n++) {
    const k = Math.round(t * n);
    if (k > 0 && k < n && Math.abs(k / n - t) < 1 / (2 * MAX_DENOMINATOR * MAX_DENOMINATOR)) return [k, n];
  }
  const k = Math.min(MAX_DENOMINATOR - 1, Math.max(1, Math.round(t * MAX_DENOMINATOR)));
  return [k, MAX_DENOMINATOR];
}

/**
 * ffmpeg's `minterpolate` on a pair: the frames go in at 1 fps through a pipe, the
 * filter resamples to n fps, and output frame k is the frame at t = k/n. Frames are
 * processed as 4:4:4 so odd sizes and colour detail survive.
 */
export function createMinterpolate(options: { readonly ffmpegPath?: string } = {}): FrameInterpolator {
  // 4:4:4 so odd sizes and colour detail survive; the filter's own scene detection holds at cuts.
  const sequenceFilter = (outputRate: string) => `format=yuv444p,minterpolate=fps=${outputRate}:${MINTERPOLATE_OPTIONS},format=rgb24`;
  return {
    name: 'minterpolate',
    sequenceFilter,
    async interpolate(a, b, t) {
      assertSameSize(a, b);
      const [k, n] = asFraction(t);
      const { width, height } = a;
      // The same filter over the pair at 1 fps, resampled to n fps: output frame k is at t = k/n.
      // The filter holds back frames for its look-ahead and emits nothing for a bare pair, so
      // the second frame is repeated: output frame k lies between the first two.
      let frame: Uint8Array | undefined;
      for await (const out of filterFrames({
        frames: [a.data, b.data, b.data, b.data],
        width,
        height,
        rate: { num: 1, den: 1 },
        filter: sequenceFilter(String(n)),
        outputFrames: k + 1,
        ffmpegPath: options.ffmpegPath,
      }))
        frame = out;
      return { width, height, data: frame! };
    },
  };
}
