// The preprocess service: checks and normalises uploads, emits the preprocessed events.
import { Stages, Subjects } from '@revive/contracts';
import { createObjectStore } from '@revive/object-store';
import { serveStage } from '@revive/stage-kit';
import { createPreprocessHandlers } from './handler.ts';

await serveStage({
  stage: Stages.preprocess,
  async build(config, log) {
    const handlers = createPreprocessHandlers({ store: createObjectStore(config.store), log, maxInputPixels: config.inference.maxInputPixels });
    return { handlers: { [Subjects.imageUploaded]: handlers.image, [Subjects.videoUploaded]: handlers.video } };
  },
});
