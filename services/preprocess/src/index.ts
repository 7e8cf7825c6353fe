export { createPreprocessHandlers, type PreprocessDeps, type PreprocessHandlers } from './handler.ts';
export { defaultMediaTools, type MediaTools } from './video-probe.ts';
export { DEFAULT_VIDEO_SETTINGS, type PreprocessVideoSettings } from './video.handler.ts';
export { stageService } from './stage.ts';
