export { createInterpolateHandlers, type InterpolateDeps, type InterpolateHandlers } from './handler.ts';
export { createInterpolateVideoHandler, type InterpolateVideoDeps } from './video.handler.ts';
export { stageService } from './stage.ts';
