import { assertSameSize, type RgbFrame } from './frame.ts';
import type { FrameInterpolator } from './interpolator.ts';

/** The naive baseline: a cross-fade weighted by t (ghosting wherever anything moves). */
export const frameAverage: FrameInterpolator = {
  name: 'frame-average',
  async interpolate(a, b, t) {
    assertSameSize(a, b);
    const data = new Uint8Array(a.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Math.round((1 - t) * a.data[i]! + t * b.data[i]!);
    return { width: a.width, height: a.height, data } satisfies RgbFrame;
  },
};
