export { createInterpolateHandlers, type InterpolateHandlers } from './handler.ts';
export { interpolateVideo } from './video.handler.ts';
