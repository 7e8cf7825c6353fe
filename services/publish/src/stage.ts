import { Stages } from '@revive/contracts';
import { createObjectStore } from '@revive/object-store';
import { objectStoreCheck, type StageServiceDefinition } from '@revive/stage-kit';
import { createPublishHandlers } from './handler.ts';

/** The publish stage, built from the config: main.ts serves it, the benches build it in process. */
export const stageService: StageServiceDefinition<typeof Stages.publish> = {
  stage: Stages.publish,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const handlers = createPublishHandlers({ store, log });
    return { handlers: { image: handlers.image, video: handlers.video }, checks: { store: objectStoreCheck(store) } };
  },
};
