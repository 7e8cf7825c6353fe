import { loadPlatformConfig, type PlatformConfig } from '@revive/config';
import type { Stage } from '@revive/contracts';
import { createLogger, type Logger } from '@revive/logging';
import { connectNats, runStage, type StageHandlers } from '@revive/messaging';

export interface StageServiceDefinition {
  readonly stage: Stage;
  /** Builds the handlers (and anything to close at shutdown) from the parsed config. */
  build(config: PlatformConfig, log: Logger): Promise<{ handlers: StageHandlers; close?: () => Promise<void>; info?: Record<string, unknown> }>;
}

/**
 * The process around a stage: config, logger, NATS, one consumer loop per hop, and a drain on
 * SIGINT/SIGTERM (in-flight items finish; a second signal exits at once). Logs "<stage> running"
 * once consuming, which supervisors wait for.
 */
export async function serveStage(definition: StageServiceDefinition): Promise<void> {
  const { stage: name } = definition;
  const config = loadPlatformConfig();
  const log = createLogger(`revive-${name}`, config.log.level);
  let stopping = false;
  const started = await (async () => {
    const built = await definition.build(config, log);
    const nc = await connectNats(config.nats.url, `revive-${name}`);
    const loops = await runStage({ stage: name, nc, handlers: built.handlers, ...config.stage, onError: (error) => log.error({ err: error }, 'consumer loop error') });
    return { ...built, nc, loops };
  })().catch((error: unknown) => {
    log.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  });
  log.info({ store: config.store.kind, ...config.stage, ...started.info }, `${name} running`);

  // The client reconnects forever, so a close nobody asked for is fatal: the supervisor restarts us.
  void started.nc.closed().then((error) => {
    if (stopping) return;
    log.fatal({ err: error }, 'NATS connection closed');
    process.exit(1);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      log.info({ signal }, 'stopping: finishing in-flight items');
      (async () => {
        await started.loops.stop();
        await started.nc.drain();
        await started.close?.();
      })().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'unclean stop');
          process.exit(1);
        },
      );
    });
  }
}
