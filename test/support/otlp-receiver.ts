import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

/** One span as an OTLP/HTTP JSON export carried it, flattened for assertions. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  /** The exporting process's `service.name`. */
  readonly service: string;
  /** The exporting process's `process.pid` (the SDK's process detector); undefined when absent. */
  readonly pid: number | undefined;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** When the span started and ended, in milliseconds since the epoch. */
  readonly startMs: number;
  readonly endMs: number;
  readonly links: ReadonlyArray<{ traceId: string; spanId: string }>;
}

export const SpanKinds = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface ExportTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano?: string | number;
        endTimeUnixNano?: string | number;
        attributes?: KeyValue[];
        links?: Array<{ traceId: string; spanId: string }>;
      }>;
    }>;
  }>;
}

function value(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return '';
}

const attributesOf = (list: KeyValue[] | undefined) => Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));

/**
 * A minimal OTLP/HTTP receiver (the JSON encoding, `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) that
 * keeps every span it is sent, standing in for the Collector that is not installable here. Metric
 * exports are accepted and counted so the services' exporters see a healthy endpoint.
 */
export async function startOtlpReceiver(): Promise<{
  readonly url: string;
  readonly spans: ReceivedSpan[];
  metricExports(): number;
  /** Resolves once `predicate` holds for the spans received so far; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  let metrics = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = await promisify(gunzip)(body);
        if (req.url === '/v1/traces') {
          const request = JSON.parse(body.toString('utf8')) as ExportTraceRequest;
          for (const rs of request.resourceSpans ?? []) {
            const resource = attributesOf(rs.resource?.attributes);
            const service = String(resource['service.name'] ?? '');
            const pid = typeof resource['process.pid'] === 'number' ? resource['process.pid'] : undefined;
            for (const ss of rs.scopeSpans ?? []) {
              for (const s of ss.spans ?? []) {
                spans.push({
                  traceId: s.traceId,
                  spanId: s.spanId,
                  parentSpanId: s.parentSpanId || undefined,
                  name: s.name,
                  kind: s.kind,
                  service,
                  pid,
                  attributes: attributesOf(s.attributes),
                  startMs: Number(s.startTimeUnixNano ?? 0) / 1e6,
                  endMs: Number(s.endTimeUnixNano ?? 0) / 1e6,
                  links: s.links ?? [],
                });
              }
            }
          }
        } else if (req.url === '/v1/metrics') {
          metrics += 1;
        } else {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      })().catch(() => res.writeHead(400).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metricExports: () => metrics,
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > deadline) throw new Error(`spans not received within ${timeoutMs} ms (${spans.length} so far)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
