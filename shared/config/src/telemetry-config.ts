import { z } from 'zod';
import { ConfigError } from './inference-config.ts';

const port = z.coerce.number().int().min(0).max(65535);
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
// OTLP/HTTP endpoints; `collector:4318` would otherwise pass as a URL with scheme "collector".
const httpUrl = z.url({ protocol: /^https?$/ });

// The OTEL_* names are OpenTelemetry's standard ones, so operators configure Revive like any
// other instrumented service; REVIVE_METRICS_PORT is ours (the Prometheus exporter has none).
const env = z.object({
  OTEL_SDK_DISABLED: z.preprocess(blankAsUnset, z.enum(['true', 'false']).optional()),
  OTEL_SERVICE_NAME: z.preprocess(blankAsUnset, z.string().optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(blankAsUnset, httpUrl.optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(blankAsUnset, httpUrl.optional()),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: z.preprocess(blankAsUnset, httpUrl.optional()),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.preprocess(blankAsUnset, z.enum(['http/protobuf', 'http/json']).default('http/protobuf')),
  OTEL_TRACES_EXPORTER: z.preprocess(blankAsUnset, z.string().optional()),
  OTEL_METRICS_EXPORTER: z.preprocess(blankAsUnset, z.string().optional()),
  OTEL_BSP_SCHEDULE_DELAY: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).default(5000)),
  OTEL_METRIC_EXPORT_INTERVAL: z.preprocess(blankAsUnset, z.coerce.number().int().min(100).default(60_000)),
  /** Prometheus scrape endpoint of this process; 0 or unset: none. */
  REVIVE_METRICS_PORT: z.preprocess(blankAsUnset, port.optional()),
  REVIVE_METRICS_HOST: z.preprocess(blankAsUnset, z.string().default('0.0.0.0')),
  /** How often a stage reads its consumer's backlog from JetStream, for the queue-depth gauge. */
  /** Validated with the rest of the platform settings; only read here for the SDK's own lines. */
  REVIVE_LOG_LEVEL: z.preprocess(blankAsUnset, z.string().default('info')),
  REVIVE_BACKLOG_POLL_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().min(0.1).max(3600).default(5)),
});

/** Where a process sends its traces and metrics; each exporter is off unless configured. */
export interface TelemetryConfig {
  /** OTEL_SDK_DISABLED=true: no SDK at all (no context propagation either). */
  readonly disabled: boolean;
  /** OTEL_SERVICE_NAME when set; otherwise the process names itself. */
  readonly serviceName: string | undefined;
  readonly protocol: 'http/protobuf' | 'http/json';
  /** Full OTLP/HTTP URL for spans, or undefined: tracing export off. */
  readonly tracesUrl: string | undefined;
  /** Full OTLP/HTTP URL for metrics, or undefined: OTLP metric export off. */
  readonly metricsUrl: string | undefined;
  readonly spanExportDelayMs: number;
  readonly metricExportIntervalMs: number;
  /** Prometheus exporter port, or undefined: no scrape endpoint. */
  readonly prometheus: { readonly port: number; readonly host: string } | undefined;
  readonly backlogPollMs: number;
  readonly logLevel: string;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT is a base URL; the per-signal paths are appended as the spec says. */
function signalUrl(specific: string | undefined, base: string | undefined, path: string, exporter: string | undefined): string | undefined {
  if (
    exporter
      ?.split(',')
      .map((s) => s.trim())
      .includes('none')
  )
    return undefined;
  if (specific) return specific;
  return base ? `${base.replace(/\/$/, '')}/${path}` : undefined;
}

/** Parses the telemetry settings; read before anything else, by each service's instrumentation. */
export function loadTelemetryConfig(source: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const parsed = env.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(`invalid telemetry settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return {
    disabled: e.OTEL_SDK_DISABLED === 'true',
    serviceName: e.OTEL_SERVICE_NAME,
    protocol: e.OTEL_EXPORTER_OTLP_PROTOCOL,
    tracesUrl: signalUrl(e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, e.OTEL_EXPORTER_OTLP_ENDPOINT, 'v1/traces', e.OTEL_TRACES_EXPORTER),
    metricsUrl: signalUrl(e.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, e.OTEL_EXPORTER_OTLP_ENDPOINT, 'v1/metrics', e.OTEL_METRICS_EXPORTER),
    spanExportDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
    metricExportIntervalMs: e.OTEL_METRIC_EXPORT_INTERVAL,
    prometheus: e.REVIVE_METRICS_PORT ? { port: e.REVIVE_METRICS_PORT, host: e.REVIVE_METRICS_HOST } : undefined,
    backlogPollMs: Math.round(e.REVIVE_BACKLOG_POLL_SECONDS * 1000),
    logLevel: e.REVIVE_LOG_LEVEL,
  };
}
