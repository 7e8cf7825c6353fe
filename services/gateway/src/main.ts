import { loadPlatformConfig } from '@revive/config';
import { createLogger } from '@revive/logging';
import { flushTelemetry } from '@revive/telemetry';
import { startGateway } from './gateway.ts';

const config = loadPlatformConfig();
const log = createLogger('gateway', config.log.level);
const gateway = await startGateway(config, log).catch((error: unknown) => {
  log.fatal({ err: error }, 'gateway failed to start');
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    // The last spans (this shutdown's included) go out before the process ends.
    gateway
      .stop()
      .then(() => flushTelemetry())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'unclean stop');
          process.exit(1);
        },
      );
  });
}
