import {
  context,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/** Span attribute names Revive adds beyond OpenTelemetry's semantic conventions. */
export const SpanAttributes = {
  mediaId: 'revive.media_id',
  stage: 'revive.stage',
  /** JetStream's delivery count of the message being processed: 1 first time, 2+ on redelivery. */
  deliveryCount: 'messaging.nats.message.delivery_count',
  outcome: 'revive.outcome',
  modelId: 'revive.model.id',
  modelTask: 'revive.model.task',
  tiles: 'revive.inference.tiles',
  inputPixels: 'revive.inference.input_pixels',
  outputPixels: 'revive.inference.output_pixels',
  objectKey: 'revive.object.key',
  objectBytes: 'revive.object.bytes',
} as const;

/** The tracer every Revive module uses; a no-op until the SDK is started (unit tests). */
export function tracer(): Tracer {
  return trace.getTracer('revive');
}

/** Marks a span failed with the error, without deciding anything else about it. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `work` inside a new active span (children made inside it nest under it), ending the span
 * however `work` ends; a throw marks it failed and is rethrown unchanged.
 */
export async function inSpan<T>(name: string, options: SpanOptions & { parent?: Context }, work: (span: Span) => Promise<T>): Promise<T> {
  const { parent, ...spanOptions } = options;
  return tracer().startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The trace id of the active span, or undefined when there is no recording one (tracing off). */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  const ctx = span?.spanContext();
  return span?.isRecording() && ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

/** Sets attributes, skipping undefined values (the API would keep them as invalid). */
export function setAttributes(span: Span, attributes: Record<string, Attributes[string] | undefined>): void {
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) span.setAttribute(k, v);
}

/** Runs `work` with tracing suppressed: health probes every few seconds must not fill Tempo with traces. */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}
