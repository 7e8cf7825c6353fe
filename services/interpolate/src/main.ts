// The interpolate service: raises the frame rate of super-resolved videos, chunk by chunk.
import { Stages } from '@revive/contracts';
import { createObjectStore } from '@revive/object-store';
import { objectStoreCheck, serveStage } from '@revive/stage-kit';
import { createInterpolateHandlers } from './handler.ts';

await serveStage({
  stage: Stages.interpolate,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const handlers = createInterpolateHandlers({ store, log });
    return { handlers: { video: handlers.video }, checks: { store: objectStoreCheck(store) } };
  },
});
