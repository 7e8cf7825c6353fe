import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import { tracer, untraced } from '@revive/telemetry';

const getter: TextMapGetter<IncomingMessage> = {
  keys: (req) => Object.keys(req.headers),
  get: (req, key) => req.headers[key],
};

// Probes and object downloads are not pipeline work: no trace for them, so Tempo holds the items.
const UNTRACED = /^\/(healthz|readyz|objects\/)/;

/**
 * Runs each HTTP request inside a SERVER span, continuing the caller's trace when it sent a
 * traceparent. Everything the request does (the upload's store write, database insert and
 * publish) nests under it, so an upload's span is the root of its media item's trace. Only the
 * method and path are recorded: query strings may carry signatures.
 */
export function traceHttp(handler: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (UNTRACED.test(path)) return untraced(() => handler(req, res));
    const parent = propagation.extract(context.active(), req, getter);
    const span = tracer().startSpan(
      `${req.method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': path } },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), () => handler(req, res));
  };
}
