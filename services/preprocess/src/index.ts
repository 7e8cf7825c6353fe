export { createPreprocessHandlers, type PreprocessDeps, type PreprocessHandlers } from './handler.ts';
export { defaultMediaTools, type MediaTools } from './video-probe.ts';
