import { DEFAULT_COLORIZE_MODEL } from '@revive/colorizer';
import { Stages } from '@revive/contracts';
import { createModelRegistry, createModelRuntime } from '@revive/model-runtime';
import { createObjectStore } from '@revive/object-store';
import { objectStoreCheck, type StageServiceDefinition } from '@revive/stage-kit';
import { createColorizeHandlers } from './handler.ts';

/** The colorize stage, built from the config: main.ts serves it, the benches build it in process. */
export const stageService: StageServiceDefinition<typeof Stages.colorize> = {
  stage: Stages.colorize,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const registry = createModelRegistry(config.inference.modelDirs);
    const runtime = createModelRuntime({ registry, threads: config.inference.threads });
    // Not fatal: the stage still passes `off` and colour items; colorizing ones fail with MODEL_UNAVAILABLE.
    await registry.get(DEFAULT_COLORIZE_MODEL).catch((error: unknown) => log.warn({ err: error }, 'colorization model unavailable'));
    const handlers = createColorizeHandlers({ store, runtime, log, maxInputPixels: config.inference.maxInputPixels });
    return {
      handlers: { image: handlers.image, video: handlers.video },
      close: () => runtime.close(),
      checks: { store: objectStoreCheck(store) },
      info: { threads: config.inference.threads },
    };
  },
};
