export { createSuperresHandlers, DEFAULT_SUPERRES_MODELS, type SuperresDeps, type SuperresHandlers, type UpscaleFactor } from './handler.ts';
export { superresVideo } from './video.handler.ts';
