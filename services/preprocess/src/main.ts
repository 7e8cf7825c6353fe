// The preprocess service: checks and normalises uploads, emits the preprocessed events.
import { Stages } from '@revive/contracts';
import { createObjectStore } from '@revive/object-store';
import { objectStoreCheck, serveStage } from '@revive/stage-kit';
import { createPreprocessHandlers } from './handler.ts';

await serveStage({
  stage: Stages.preprocess,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const handlers = createPreprocessHandlers({
      store,
      log,
      maxInputPixels: config.inference.maxInputPixels,
      video: { limits: config.video, chunkSeconds: config.video.chunkSeconds },
    });
    return { handlers: { image: handlers.image, video: handlers.video }, checks: { store: objectStoreCheck(store) } };
  },
});
