import { Stages } from '@revive/contracts';
import { createModelRegistry, createModelRuntime } from '@revive/model-runtime';
import { createObjectStore } from '@revive/object-store';
import { DEFAULT_REPAIR_DETECTOR, repairModelProblem } from '@revive/repairer';
import { objectStoreCheck, type StageServiceDefinition } from '@revive/stage-kit';
import { createRepairHandlers } from './handler.ts';

/** The repair stage, built from the config: main.ts serves it, the benches build it in process. */
export const stageService: StageServiceDefinition<typeof Stages.repair> = {
  stage: Stages.repair,
  async build(config, log) {
    const store = createObjectStore(config.store);
    const registry = createModelRegistry(config.inference.modelDirs);
    const runtime = createModelRuntime({ registry, threads: config.inference.threads });
    // Not fatal: the stage still passes `off` items; items to repair fail with MODEL_UNAVAILABLE.
    const problem = await repairModelProblem(runtime).catch((error: unknown) => String(error));
    if (problem) log.warn({ problem }, 'repair model unavailable');
    const handlers = createRepairHandlers({ store, runtime, log, maxInputPixels: config.inference.maxInputPixels });
    return {
      handlers: { image: handlers.image, video: handlers.video },
      close: () => runtime.close(),
      checks: { store: objectStoreCheck(store) },
      info: { threads: config.inference.threads, model: DEFAULT_REPAIR_DETECTOR },
    };
  },
};
