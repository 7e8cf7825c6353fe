import { loadPlatformConfig, type PlatformConfig } from '@revive/config';
import { hopsOf, Streams, type Stage } from '@revive/contracts';
import { createLogger, type Logger } from '@revive/logging';
import type { NatsConnection } from 'nats';
import { connectNats, runStage, type StageHandlers } from '@revive/messaging';
import { flushTelemetry, startHealthServer, type ReadinessCheck } from '@revive/telemetry';

/** A stage built from its config: its handlers and what to close when it stops. */
export interface BuiltStage<S extends Stage> {
  readonly handlers: StageHandlers<S>;
  readonly close?: () => Promise<void>;
  /** Logged with "<stage> running". */
  readonly info?: Record<string, unknown>;
  /** Readiness checks of the stage's own dependencies (object store…); NATS is always checked. */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
}

/** What serveStage runs; each stage package exports its own as `stageService` (src/stage.ts). */
export interface StageServiceDefinition<S extends Stage> {
  readonly stage: S;
  /** Builds the handlers (and anything to close at shutdown) from the parsed config. */
  build(config: PlatformConfig, log: Logger): Promise<BuiltStage<S>>;
}

/**
 * The process around a stage: config, logger, NATS, one consumer loop per hop, and a drain on
 * SIGINT/SIGTERM (in-flight items finish; a second signal exits at once). Logs "<stage> running"
 * once consuming, which supervisors wait for. With a health port configured, serves the
 * liveness and readiness probes (NATS, the stage's consumers, and the stage's own checks).
 */
export async function serveStage<S extends Stage>(definition: StageServiceDefinition<S>): Promise<void> {
  const { stage: name } = definition;
  const config = loadPlatformConfig();
  const log = createLogger(`revive-${name}`, config.log.level);
  let stopping = false;
  const started = await (async () => {
    const built = await definition.build(config, log);
    const nc = await connectNats(config.nats, name);
    const loops = await runStage({
      stage: name,
      nc,
      handlers: built.handlers,
      ...config.stage,
      streamReplicas: config.nats.streamReplicas,
      backlogPollMs: config.telemetry.backlogPollMs,
      outputLimits: { image: config.image, video: config.video },
      onError: (error) => log.error({ err: error }, 'consumer loop error'),
    });
    const health = config.health.port ? await startProbes(config.health.port, nc, built.checks ?? {}) : undefined;
    return { ...built, nc, loops, health };
  })().catch((error: unknown) => {
    log.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  });
  log.info({ store: config.store.kind, ...config.stage, ...started.info, healthPort: started.health?.port }, `${name} running`);

  // Disconnects and reconnects (a frozen process the server gave up on, a restarted server) are the first thing to read when a stage stalls.
  void (async () => {
    for await (const status of started.nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'staleConnection')
        log.warn({ nats: status.type, server: status.data }, `NATS ${status.type}`);
    }
  })();

  // The client reconnects forever, so a close nobody asked for is fatal: the supervisor restarts us.
  void started.nc.closed().then((error) => {
    if (stopping) return;
    log.fatal({ err: error }, 'NATS connection closed');
    process.exit(1);
  });

  async function startProbes(port: number, nc: NatsConnection, checks: Readonly<Record<string, ReadinessCheck>>) {
    const jsm = await nc.jetstreamManager();
    const consumers = () => Promise.all(hopsOf(name).map((hop) => jsm.consumers.info(Streams.media, hop.consumer)));
    // flush() is a round trip to the server: it fails (times out) while the client reconnects.
    const nats = () => (nc.isClosed() ? Promise.reject(new Error('connection closed')) : nc.flush());
    // A port already taken must not stop the stage (a second replica on one machine): warn, go on.
    return startHealthServer({
      port,
      checks: { nats, consumers, ...checks },
      onNotReady: (failed) => log.debug({ failed }, 'not ready'),
    }).catch((error: unknown) => {
      log.warn({ err: error, port }, 'health endpoints not started');
      return undefined;
    });
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      log.info({ signal }, 'stopping: finishing in-flight items');
      (async () => {
        await started.loops.stop();
        await started.nc.drain();
        await started.close?.();
        await started.health?.close();
        await flushTelemetry();
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
