import type { Subjects } from '@revive/contracts';
import type { StageHandlers } from '@revive/messaging';
import { interpolateVideo } from './video.handler.ts';

export interface InterpolateHandlers {
  /** The stage's only hop: images are never interpolated. */
  readonly video: NonNullable<StageHandlers[typeof Subjects.videoSuperResolved]>;
}

/**
 * Frame interpolation raises a video's frame rate between super-resolution and publish. Its
 * real handler arrives with video processing; the factory already takes the shape main.ts
 * wires, so that change touches only this service.
 */
export function createInterpolateHandlers(): InterpolateHandlers {
  return { video: interpolateVideo };
}
