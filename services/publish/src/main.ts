// The publish service: writes the final result of each item and announces it.
import { Stages, Subjects } from '@revive/contracts';
import { createObjectStore } from '@revive/object-store';
import { serveStage } from '@revive/stage-kit';
import { createPublishHandlers } from './handler.ts';

await serveStage({
  stage: Stages.publish,
  async build(config, log) {
    const handlers = createPublishHandlers({ store: createObjectStore(config.store), log });
    return { handlers: { [Subjects.imageSuperResolved]: handlers.image, [Subjects.videoInterpolated]: handlers.video } };
  },
});
