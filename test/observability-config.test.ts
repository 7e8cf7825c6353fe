import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { SpanAttributes } from '@revive/telemetry';
import { exportedPrometheusMetrics } from '@revive/telemetry/bootstrap';

const dir = resolve(import.meta.dirname, '../observability');
// Parsed YAML is walked by the assertions themselves: a missing key fails the test that needs it.
type Doc = Record<string, any>;
const yamlFile = async (path: string) => parse(await readFile(join(dir, path), 'utf8')) as Doc;
const portOf = (endpoint: string) => Number(/:(\d+)$/.exec(endpoint.replace(/\/$/, ''))?.[1]);

interface Target {
  datasource?: { type: string; uid: string };
  expr?: string;
  query?: string;
  queryType?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}

describe('observability configuration: Collector, Tempo, Prometheus and Grafana agree with each other and with the code', () => {
  let collector: Doc;
  let tempo: Doc;
  let prometheus: Doc;
  let compose: Doc;
  let datasources: Array<{ uid: string; type: string; url: string }>;
  let dashboard: {
    uid: string;
    panels: Panel[];
    templating: { list: Array<{ name: string; datasource?: { type: string; uid: string } }> };
    links: Array<{ url: string }>;
  };
  before(async () => {
    collector = await yamlFile('otel-collector.yaml');
    tempo = await yamlFile('tempo.yaml');
    prometheus = await yamlFile('prometheus.yaml');
    compose = await yamlFile('docker-compose.yaml');
    datasources = (await yamlFile('grafana/provisioning/datasources/datasources.yaml')).datasources;
    dashboard = JSON.parse(await readFile(join(dir, 'grafana/dashboards/revive-pipeline.json'), 'utf8'));
  });

  it('wires every Collector pipeline to components it defines: OTLP/HTTP in, traces to Tempo, metrics to Prometheus', () => {
    const pipelines = collector.service.pipelines as Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
    assert.deepEqual(Object.keys(pipelines).sort(), ['metrics', 'traces']);
    for (const [name, p] of Object.entries(pipelines)) {
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        for (const component of p[kind])
          assert.ok(collector[kind]?.[component] !== undefined, `${name} pipeline: ${kind} ${component} is not defined`);
      }
    }
    for (const ext of collector.service.extensions ?? []) assert.ok(collector.extensions?.[ext] !== undefined, `extension ${ext}`);
    // The services' OTLP/HTTP exporters send to 4318 (OTEL_EXPORTER_OTLP_ENDPOINT in the README).
    assert.equal(portOf(collector.receivers.otlp.protocols.http.endpoint), 4318);
    assert.ok(
      compose.services['otel-collector'].ports.some((p: string) => p.endsWith(':4318')),
      'the Collector publishes 4318 to the host',
    );

    const [tracesOut] = pipelines.traces!.exporters;
    const tempoEndpoint = collector.exporters[tracesOut!].endpoint as string;
    assert.equal(tempoEndpoint.split(':')[0], 'tempo', 'traces go to the tempo service');
    assert.ok(compose.services.tempo, 'tempo runs beside the Collector');
    assert.equal(
      portOf(tempoEndpoint),
      portOf(tempo.distributor.receivers.otlp.protocols.grpc.endpoint),
      "Tempo's OTLP receiver listens where the Collector sends",
    );

    const metricsOut = pipelines.metrics!.exporters.find((e) => e.split('/')[0] === 'prometheus');
    assert.ok(metricsOut, 'metrics go to a prometheus exporter');
    const scraped = (prometheus.scrape_configs as Array<{ static_configs: Array<{ targets: string[] }> }>).flatMap((c) =>
      c.static_configs.flatMap((s) => s.targets),
    );
    assert.ok(
      scraped.includes(`otel-collector:${portOf(collector.exporters[metricsOut].endpoint)}`),
      `Prometheus scrapes the Collector's exporter (${scraped.join(', ')})`,
    );
  });

  it('gives Tempo a listening port, storage and retention, and points the Tempo data source at that port', () => {
    assert.equal(typeof tempo.server.http_listen_port, 'number');
    assert.ok(tempo.storage.trace.backend && tempo.storage.trace.wal.path, 'storage and WAL configured');
    assert.match(String(tempo.compactor.compaction.block_retention), /^\d+h$/);
    const source = datasources.find((d) => d.type === 'tempo')!;
    assert.equal(new URL(source.url).hostname, 'tempo');
    assert.equal(Number(new URL(source.url).port), tempo.server.http_listen_port);
    assert.equal(new URL(datasources.find((d) => d.type === 'prometheus')!.url).hostname, 'prometheus');
  });

  it('mounts only files that exist, and provisions dashboards from where they are mounted', async () => {
    for (const [name, service] of Object.entries(compose.services as Record<string, { volumes?: string[] }>)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) assert.ok(existsSync(join(dir, source)), `${name}: ${source} exists`);
      }
    }
    const provider = (await yamlFile('grafana/provisioning/dashboards/dashboards.yaml')).providers[0];
    const grafanaVolumes = compose.services.grafana.volumes as string[];
    assert.ok(
      grafanaVolumes.some((v) => v.startsWith('./grafana/dashboards:') && v.split(':')[1] === provider.options.path),
      'the dashboards folder is mounted where the provider reads',
    );
  });

  describe('the dashboard', () => {
    let exported: Set<string>;
    const panels = () => dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const targets = () => panels().flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));
    before(async () => {
      exported = new Set((await exportedPrometheusMetrics()).flatMap((m) => m.series));
    });

    it('refers only to provisioned data sources (fixed UIDs, matching types)', () => {
      const uids = new Map(datasources.map((d) => [d.uid, d.type]));
      assert.equal(uids.size, datasources.length, 'UIDs are unique');
      const refs = [
        ...panels().map((p) => p.datasource),
        ...targets().map((t) => t.target.datasource),
        ...dashboard.templating.list.map((v) => v.datasource),
      ].filter((d) => d !== undefined);
      assert.ok(refs.length > 10);
      for (const ref of refs) assert.equal(uids.get(ref!.uid), ref!.type, `data source ${JSON.stringify(ref)}`);
      assert.equal(new Set(panels().map((p) => p.id)).size, panels().length, 'panel ids are unique');
    });

    it('queries only metrics the services export (the list comes from the code, not from a copy)', () => {
      assert.ok(
        exported.has('revive_stage_items_processed_total') && exported.has('revive_stage_processing_duration_seconds_bucket'),
        [...exported].join(', '),
      );
      const exprs = [
        ...targets().map((t) => t.target.expr),
        ...dashboard.templating.list.map((v) => (v as { definition?: string }).definition),
      ].filter((e): e is string => typeof e === 'string');
      assert.ok(exprs.length >= 10);
      for (const expr of exprs) {
        const metrics = expr.match(/\brevive_[a-z0-9_]+\b/g) ?? [];
        assert.ok(metrics.length > 0, `"${expr}" queries a Revive metric`);
        for (const m of metrics) assert.ok(exported.has(m), `"${m}" in "${expr}" is not exported; exported: ${[...exported].join(', ')}`);
        if (expr.includes('histogram_quantile'))
          assert.match(expr, /_bucket\b.*\ble\b|\ble\b.*_bucket\b/, `${expr} aggregates by le over buckets`);
      }
    });

    it('covers throughput, p50/p95 latency per stage, backlog, failures, and links media items to Tempo', () => {
      const all = targets()
        .map((t) => t.target.expr ?? '')
        .join('\n');
      assert.match(all, /rate\(revive_stage_items_processed_total/);
      assert.match(all, /histogram_quantile\(0\.5, sum by \(le, stage\)/);
      assert.match(all, /histogram_quantile\(0\.95, sum by \(le, stage\)/);
      assert.match(all, /revive_stage_pending_messages/);
      assert.match(all, /revive_stage_items_failed_total/);
      const traceql = targets()
        .filter((t) => t.target.datasource?.type === 'tempo')
        .map((t) => t.target.query ?? '');
      assert.ok(traceql.includes('$trace_id'), 'a panel opens the trace whose id is given');
      const attributes = traceql.flatMap((q) => [...q.matchAll(/\bspan\.([a-z_.]+)/g)].map((m) => m[1]!));
      assert.ok(attributes.length > 0);
      for (const a of attributes)
        assert.ok((Object.values(SpanAttributes) as string[]).includes(a), `TraceQL attribute ${a} is one the code sets`);
      const variables = new Set(dashboard.templating.list.map((v) => v.name));
      const used = [...JSON.stringify(dashboard).matchAll(/\$\{?([a-z_]+)\}?/g)].map((m) => m[1]!).filter((v) => !v.startsWith('__'));
      for (const v of used) assert.ok(variables.has(v), `variable $${v} is defined`);
      assert.ok(
        dashboard.links.some((l) => l.url.includes('revive-tempo') && l.url.includes('${trace_id}')),
        'a dashboard link opens the trace in Explore',
      );
    });
  });
});
