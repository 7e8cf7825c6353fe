export {
  createSuperresHandlers,
  DEFAULT_SUPERRES_MODELS,
  type SuperresDeps,
  type SuperresHandlers,
  type UpscaleFactor,
} from './handler.ts';
export { createSuperresVideoHandler, type SuperresVideoDeps } from './video.handler.ts';
export { stageService } from './stage.ts';
