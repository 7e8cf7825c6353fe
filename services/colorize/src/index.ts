export { createColorizeHandlers, type ColorizeDeps, type ColorizeHandlers } from './handler.ts';
export { createColorizeVideoHandler, PRIMING_FRAMES, type ColorizeVideoDeps } from './video.handler.ts';
export { createFrameColorizer, STATIC_WEIGHT, type FrameColorizer } from './video-colorizer.ts';
export { stageService } from './stage.ts';
