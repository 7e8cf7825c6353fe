import { Stages } from '@revive/contracts';
import { createObjectStore } from '@revive/object-store';
import { objectStoreCheck, type StageServiceDefinition } from '@revive/stage-kit';
import { createPreprocessHandlers } from './handler.ts';

/** The preprocess stage, built from the config: main.ts serves it, the benches build it in process. */
export const stageService: StageServiceDefinition<typeof Stages.preprocess> = {
  stage: Stages.preprocess,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const handlers = createPreprocessHandlers({
      store,
      log,
      maxInputPixels: config.inference.maxInputPixels,
      imageOutput: config.image,
      video: { limits: config.video, chunkSeconds: config.video.chunkSeconds },
    });
    return { handlers: { image: handlers.image, video: handlers.video }, checks: { store: objectStoreCheck(store) } };
  },
};
