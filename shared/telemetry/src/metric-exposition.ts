import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createPipelineMetrics, forgetBacklog, recordBacklog } from './pipeline-metrics.ts';

/** A metric family as Prometheus sees it, with the series names a query can use. */
export interface ExportedMetric {
  readonly name: string;
  readonly type: string;
  /** `name` for counters and gauges; `name_bucket`, `name_sum`, `name_count` for histograms. */
  readonly series: readonly string[];
}

/**
 * The metric families a Revive service exposes, found by creating every instrument of the
 * catalogue on a private meter, recording one value in each and serialising the result the way
 * the Prometheus endpoint does. Dashboards and alerts are checked against this list, so it comes
 * from the code that exports the metrics, never from a list kept by hand.
 */
export async function exportedPrometheusMetrics(): Promise<ExportedMetric[]> {
  const reader = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [reader] });
  const instruments = createPipelineMetrics(provider.getMeter('revive'));
  recordBacklog({ stage: 'exposition', consumer: 'exposition', pending: 1, ackPending: 1 });
  try {
    for (const instrument of Object.values(instruments) as unknown[]) {
      const i = instrument as { add?: (v: number) => void; record?: (v: number) => void };
      i.add?.(1);
      i.record?.(1);
    }
    const { resourceMetrics } = await reader.collect();
    const text = new PrometheusSerializer().serialize(resourceMetrics);
    return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)]
      .filter(([, name]) => name !== 'target_info')
      .map(([, name, type]) => ({
        name: name!,
        type: type!,
        series: type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
      }));
  } finally {
    forgetBacklog('exposition', 'exposition');
    await provider.shutdown();
  }
}
