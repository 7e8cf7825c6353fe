import { Stages } from '@revive/contracts';
import { createObjectStore } from '@revive/object-store';
import { objectStoreCheck, type StageServiceDefinition } from '@revive/stage-kit';
import { createInterpolateHandlers } from './handler.ts';

/** The interpolate stage, built from the config: main.ts serves it, the benches build it in process. */
export const stageService: StageServiceDefinition<typeof Stages.interpolate> = {
  stage: Stages.interpolate,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const handlers = createInterpolateHandlers({ store, log });
    return { handlers: { video: handlers.video }, checks: { store: objectStoreCheck(store) } };
  },
};
