import type { Stages } from '@revive/contracts';
import type { HandlerOf } from '@revive/stage-kit';
import { createInterpolateVideoHandler, type InterpolateVideoDeps } from './video.handler.ts';

export interface InterpolateHandlers {
  /** The stage's only hop: images are never interpolated. */
  readonly video: HandlerOf<typeof Stages.interpolate, 'video'>;
}

/** What the interpolate handlers need, built once in stage.ts (or by a test). */
export type InterpolateDeps = InterpolateVideoDeps;

/** Frame interpolation raises a video's frame rate between super-resolution and publish, chunk by chunk. */
export function createInterpolateHandlers(deps: InterpolateDeps): InterpolateHandlers {
  return { video: createInterpolateVideoHandler(deps) };
}
