import { trace, type Context, type Link, type Span } from '@opentelemetry/api';
import { SpanAttributes, tracer } from '@revive/telemetry';
import type { MediaUpdate } from '../media-hub.ts';

// The trace context each update arrived with (from the NATS headers of the hub's announcement),
// kept beside the update rather than in it: the update's shape is the hub's wire format.
const contexts = new WeakMap<MediaUpdate, Context>();

export function attachTraceContext(update: MediaUpdate, context: Context): void {
  if (trace.getSpanContext(context)) contexts.set(update, context);
}

/** The subscriber's own span (its HTTP request), for a link from each delivery back to it. */
export function subscriberLink(): Link[] {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx ? [{ context: ctx }] : [];
}

/**
 * A span for handing one update to one subscriber, in the item's trace: its parent is the
 * projection of the event that caused the update. Updates without a trace (progress reports)
 * get none, so they never start traces of their own.
 */
export function startDeliverySpan(update: MediaUpdate, links: Link[]): Span | undefined {
  const parent = contexts.get(update);
  if (!parent) return undefined;
  const attributes = {
    'graphql.operation.type': 'subscription',
    'graphql.field': 'mediaProgress',
    [SpanAttributes.mediaId]: update.media.id,
    'revive.progress.event': update.event,
  };
  return tracer().startSpan('graphql.subscription deliver mediaProgress', { attributes, links }, parent);
}
