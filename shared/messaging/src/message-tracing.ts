// Trace context across NATS: the producer's span context rides in the message headers as W3C
// `traceparent`, so the stage that consumes an event continues the trace that produced it and
// one media item is one trace from upload to result.
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { headers as natsHeaders, type JetStreamClient, type JsMsg, type MsgHdrs, type PubAck } from 'nats';
import type { Hop } from '@revive/contracts';
import { inSpan, setAttributes, SpanAttributes } from '@revive/telemetry';
import { publishWithRetry } from './publish-retry.ts';

const setter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier ? carrier.keys() : []),
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
};

/** Writes the context's trace headers (traceparent, baggage) into NATS headers; returns them. */
export function injectTraceHeaders(target: MsgHdrs = natsHeaders(), from: Context = context.active()): MsgHdrs {
  propagation.inject(from, target, setter);
  return target;
}

/** The producer's context from a message's headers (the root context when it carried none). */
export function extractTraceContext(source: MsgHdrs | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, source, getter);
}

/**
 * Publishes to JetStream inside a PRODUCER span and with that span's context in the headers, so
 * the consumer's span becomes its child. A duplicate (dropped by msgID dedupe) is noted on the span.
 */
export function publishTraced(
  js: JetStreamClient,
  subject: string,
  data: string,
  options: { msgID: string; headers?: MsgHdrs; mediaId?: string },
): Promise<PubAck> {
  const attributes = {
    'messaging.system': 'nats',
    'messaging.operation.type': 'send',
    'messaging.destination.name': subject,
    'messaging.message.id': options.msgID,
  };
  return inSpan(`${subject} publish`, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
    setAttributes(span, { [SpanAttributes.mediaId]: options.mediaId });
    // Retried through a cluster failover with the same msgID (publish-retry.ts).
    const ack = await publishWithRetry(js, subject, data, {
      msgID: options.msgID,
      headers: injectTraceHeaders(options.headers ?? natsHeaders()),
    });
    span.setAttribute('messaging.nats.duplicate', ack.duplicate);
    return ack;
  });
}

/**
 * Runs the processing of one JetStream message inside a CONSUMER span whose parent is the
 * producer's context from the headers. A redelivery gets a new span under the same parent
 * (same trace), told apart by its delivery count.
 */
export function inConsumeSpan<T>(
  msg: JsMsg,
  consumer: Pick<Hop, 'consumer'> & Partial<Pick<Hop, 'stage'>>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const attributes = {
    'messaging.system': 'nats',
    'messaging.operation.type': 'process',
    'messaging.destination.name': msg.subject,
    'messaging.consumer.group.name': consumer.consumer,
    [SpanAttributes.deliveryCount]: msg.info.redeliveryCount,
    ...(consumer.stage ? { [SpanAttributes.stage]: consumer.stage } : {}),
  };
  return inSpan(`${msg.subject} process`, { kind: SpanKind.CONSUMER, attributes, parent: extractTraceContext(msg.headers) }, work);
}
