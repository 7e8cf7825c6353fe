// Loaded before main.ts (node --import tsx --import ./src/instrumentation.ts ./src/main.ts) so the
// OpenTelemetry SDK is registered before any module creates a tracer or a metric instrument.
import { startTelemetry } from '@revive/telemetry/bootstrap';

await startTelemetry('revive-repair');
