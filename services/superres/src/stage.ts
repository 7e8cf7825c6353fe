import { Stages } from '@revive/contracts';
import { createModelRegistry, createModelRuntime } from '@revive/model-runtime';
import { createObjectStore } from '@revive/object-store';
import { objectStoreCheck, type StageServiceDefinition } from '@revive/stage-kit';
import { createSuperresHandlers, DEFAULT_SUPERRES_MODELS } from './handler.ts';

/** The superres stage, built from the config: main.ts serves it, the benches build it in process. */
export const stageService: StageServiceDefinition<typeof Stages.superres> = {
  stage: Stages.superres,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const registry = createModelRegistry(config.inference.modelDirs);
    const runtime = createModelRuntime({ registry, threads: config.inference.threads });
    // Not fatal: x1 items still pass; items asking for a missing model fail with MODEL_UNAVAILABLE.
    const models = { ...DEFAULT_SUPERRES_MODELS, ...config.inference.superresModels };
    for (const id of Object.values(models)) {
      await registry.get(id).catch((error: unknown) => log.warn({ err: error }, 'super-resolution model unavailable'));
    }
    const handlers = createSuperresHandlers({
      store,
      runtime,
      log,
      maxInputPixels: config.inference.maxInputPixels,
      tileSize: config.inference.tileSize,
      models,
    });
    return {
      handlers: { image: handlers.image, video: handlers.video },
      close: () => runtime.close(),
      checks: { store: objectStoreCheck(store) },
      info: { threads: config.inference.threads, models },
    };
  },
};
