// For specs: the real SDK with in-memory exporters, so a test can assert the spans and metrics a
// module makes without a collector. Each spec file runs in its own process, so registering the
// global providers here touches no other test.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

export type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface InMemoryTelemetry {
  /** Every span ended so far. */
  spans(): ReadableSpan[];
  /** The metrics as the Prometheus endpoint would serve them. */
  prometheusText(): Promise<string>;
  shutdown(): Promise<void>;
}

/** Registers tracing, W3C propagation, the async context manager and metrics, all in memory. */
export function startInMemoryTelemetry(): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans: () => exporter.getFinishedSpans(),
    async prometheusText() {
      const { resourceMetrics } = await reader.collect();
      return new PrometheusSerializer().serialize(resourceMetrics);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
