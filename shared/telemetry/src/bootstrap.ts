// The OpenTelemetry SDK, started by each service's instrumentation.ts before anything else
// (`node --import tsx --import ./src/instrumentation.ts ./src/main.ts`). A separate entry point
// from the package's index so modules that only make spans never load the SDK.
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadTelemetryConfig, type TelemetryConfig } from '@revive/config';
import { createLogger } from '@revive/logging';
import { onTelemetryFlush } from './flush.ts';

export { exportedPrometheusMetrics, type ExportedMetric } from './metric-exposition.ts';

/** What was switched on, for the startup line and for tests. */
export interface TelemetryStatus {
  readonly serviceName: string;
  readonly traces: 'otlp' | 'off';
  readonly metrics: ReadonlyArray<'otlp' | 'prometheus'>;
  /** The Prometheus endpoint's port once it listens (undefined: none, or it could not bind). */
  readonly prometheusPort: number | undefined;
}

/**
 * Starts tracing and metrics for one process. The context manager and W3C propagators are
 * always registered (logs get trace ids, headers carry traceparent); exporters only when
 * configured, so an unconfigured install sends nothing anywhere and logs no export errors.
 * No auto-instrumentation: under ESM it needs loader hooks, and the spans that matter
 * (messages, models, storage, the database) are made explicitly where they happen.
 */
export async function startTelemetry(
  defaultServiceName: string,
  config: TelemetryConfig = loadTelemetryConfig(),
): Promise<TelemetryStatus> {
  const serviceName = config.serviceName ?? defaultServiceName;
  const log = createLogger(serviceName, config.logLevel);
  if (config.disabled) {
    log.info('telemetry disabled (OTEL_SDK_DISABLED)');
    return { serviceName, traces: 'off', metrics: [], prometheusPort: undefined };
  }
  const json = config.protocol === 'http/json';
  const spanProcessors: SpanProcessor[] = [];
  if (config.tracesUrl) {
    const exporter = json ? new JsonTraceExporter({ url: config.tracesUrl }) : new ProtoTraceExporter({ url: config.tracesUrl });
    spanProcessors.push(new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.spanExportDelayMs }));
  }
  const metricReaders: IMetricReader[] = [];
  const metrics: Array<'otlp' | 'prometheus'> = [];
  if (config.metricsUrl) {
    const exporter = json ? new JsonMetricExporter({ url: config.metricsUrl }) : new ProtoMetricExporter({ url: config.metricsUrl });
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: config.metricExportIntervalMs,
        exportTimeoutMillis: Math.min(30_000, config.metricExportIntervalMs),
      }),
    );
    metrics.push('otlp');
  }
  let prometheusPort: number | undefined;
  if (config.prometheus) {
    const { port, host } = config.prometheus;
    // A taken port must not stop the service (a second replica on one machine): warn and go on.
    const bound = await new Promise<boolean>((resolve) => {
      metricReaders.push(
        new PrometheusExporter({ port, host }, (error) => {
          if (error) log.warn({ err: error, port }, 'Prometheus metrics endpoint not started');
          resolve(!error);
        }),
      );
    });
    if (bound) prometheusPort = port;
    metrics.push('prometheus');
  }

  const sdk = new NodeSDK({
    serviceName,
    resource: resourceFromAttributes({ 'service.namespace': 'revive' }),
    textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    // Given explicitly (possibly empty) so the SDK does not fall back to its own env defaults,
    // which would export to localhost:4318 and log every failure.
    spanProcessors,
    metricReaders,
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  onTelemetryFlush(() => sdk.shutdown());
  const status: TelemetryStatus = { serviceName, traces: spanProcessors.length ? 'otlp' : 'off', metrics, prometheusPort };
  log.info(
    {
      traces: status.traces,
      metrics: status.metrics,
      prometheusPort,
      protocol: spanProcessors.length || config.metricsUrl ? config.protocol : undefined,
    },
    'telemetry started',
  );
  return status;
}
