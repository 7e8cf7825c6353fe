import { SpanKind, type Span } from '@opentelemetry/api';
import type { Readable } from 'node:stream';
import { inSpan, recordFailure, setAttributes, SpanAttributes, tracer } from '@revive/telemetry';
import type { ObjectStore } from './object-store.ts';

/**
 * Wraps a store so each read and write is a CLIENT span of the item's trace (key, size, store
 * kind). A read's span lasts until its stream is consumed or destroyed, not just until the
 * first byte, so the trace shows where a stage's time went. URL signing is local work: no span.
 */
export function traceObjectStore<T extends ObjectStore>(store: T, system: 'filesystem' | 's3'): T {
  const attributes = (operation: string, key: string) => ({
    'revive.object_store.system': system,
    'revive.object_store.operation': operation,
    [SpanAttributes.objectKey]: key,
  });
  const spanned = <R>(operation: string, key: string, work: (span: Span) => Promise<R>) =>
    inSpan(`object-store ${operation}`, { kind: SpanKind.CLIENT, attributes: attributes(operation, key) }, work);
  return {
    ...store,
    put: (key, body, options) =>
      spanned('put', key, async (span) => {
        const info = await store.put(key, body, options);
        span.setAttribute(SpanAttributes.objectBytes, info.bytes);
        return info;
      }),
    head: (key) =>
      spanned('head', key, async (span) => {
        const info = await store.head(key);
        setAttributes(span, { [SpanAttributes.objectBytes]: info?.bytes, 'revive.object_store.found': info !== undefined });
        return info;
      }),
    delete: (key) => spanned('delete', key, () => store.delete(key)),
    async get(key: string): Promise<Readable> {
      const span = tracer().startSpan('object-store get', { kind: SpanKind.CLIENT, attributes: attributes('get', key) });
      let stream: Readable;
      try {
        stream = await store.get(key);
      } catch (error) {
        recordFailure(span, error);
        span.end();
        throw error;
      }
      // No 'data' listener: it would switch the stream to flowing mode before the caller reads.
      stream.once('error', (error) => recordFailure(span, error));
      stream.once('close', () => span.end());
      return stream;
    },
  };
}
