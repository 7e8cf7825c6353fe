import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './inference-config.ts';
import { loadTelemetryConfig } from './telemetry-config.ts';

describe('telemetry settings', () => {
  it('exports nothing when nothing is configured', () => {
    const c = loadTelemetryConfig({});
    assert.deepEqual(
      [c.disabled, c.tracesUrl, c.metricsUrl, c.prometheus, c.protocol],
      [false, undefined, undefined, undefined, 'http/protobuf'],
    );
  });

  it('derives per-signal URLs from OTEL_EXPORTER_OTLP_ENDPOINT, lets specific ones win and honours "none"', () => {
    const base = loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    assert.deepEqual([base.tracesUrl, base.metricsUrl], ['http://collector:4318/v1/traces', 'http://collector:4318/v1/metrics']);
    const specific = loadTelemetryConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces',
      OTEL_METRICS_EXPORTER: 'none',
    });
    assert.deepEqual([specific.tracesUrl, specific.metricsUrl], ['http://tempo:4318/v1/traces', undefined]);
  });

  it('serves Prometheus only on a non-zero REVIVE_METRICS_PORT; blank values count as unset', () => {
    assert.deepEqual(loadTelemetryConfig({ REVIVE_METRICS_PORT: '9464' }).prometheus, { port: 9464, host: '0.0.0.0' });
    assert.equal(loadTelemetryConfig({ REVIVE_METRICS_PORT: '0' }).prometheus, undefined);
    assert.equal(loadTelemetryConfig({ REVIVE_METRICS_PORT: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' }).tracesUrl, undefined);
    assert.equal(loadTelemetryConfig({ OTEL_SDK_DISABLED: 'true' }).disabled, true);
  });

  it('rejects what it cannot use, naming the setting', () => {
    assert.throws(
      () => loadTelemetryConfig({ REVIVE_METRICS_PORT: '70000' }),
      (e: unknown) => e instanceof ConfigError && /REVIVE_METRICS_PORT/.test(e.message),
    );
    assert.throws(() => loadTelemetryConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), /OTEL_EXPORTER_OTLP_PROTOCOL/);
    assert.throws(() => loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), /OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
