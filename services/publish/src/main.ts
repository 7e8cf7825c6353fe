// The publish service: writes the final result of each item and announces it.
import { Stages } from '@revive/contracts';
import { createObjectStore } from '@revive/object-store';
import { objectStoreCheck, serveStage } from '@revive/stage-kit';
import { createPublishHandlers } from './handler.ts';

await serveStage({
  stage: Stages.publish,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const handlers = createPublishHandlers({ store, log });
    return { handlers: { image: handlers.image, video: handlers.video }, checks: { store: objectStoreCheck(store) } };
  },
});
