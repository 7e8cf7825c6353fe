import { context, createContextKey, trace, type Context } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Fields that name the work in hand (`media_id`, `stage`); every line logged inside it carries them. */
export type LogFields = Readonly<Record<string, string | number | undefined>>;

const LOG_FIELDS = createContextKey('revive.log-fields');

/**
 * Runs `work` with `fields` added to every log line written inside it, however deep or late
 * (the OpenTelemetry context follows async calls), so a handler need not thread them through.
 */
export function withLogFields<T>(fields: LogFields, work: () => T, parent: Context = context.active()): T {
  const merged = { ...(parent.getValue(LOG_FIELDS) as LogFields | undefined), ...fields };
  return context.with(parent.setValue(LOG_FIELDS, merged), work);
}

/** What every line gets from its context: the active span's ids and the fields set by withLogFields. */
function contextFields(): Record<string, unknown> {
  const active = context.active();
  const fields: Record<string, unknown> = { ...(active.getValue(LOG_FIELDS) as LogFields | undefined) };
  const span = trace.getSpan(active)?.spanContext();
  if (span && trace.isSpanContextValid(span)) {
    fields.trace_id = span.traceId;
    fields.span_id = span.spanId;
  }
  return fields;
}

/**
 * The one way a Revive process logs: pino JSON on stdout, one line per record, with the
 * service name on every line, and the trace/span ids and item fields of the active context.
 * Secrets and presigned URLs never go into log fields.
 */
export function createLogger(service: string, level: string = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: contextFields,
    // Object URLs carry signatures; credentials may sit in connection strings or headers.
    redact: {
      paths: [
        '*.url',
        '*.password',
        '*.secretAccessKey',
        '*.sessionToken',
        '*.secret',
        '*.urlSigningSecret',
        '*.originalUrl',
        '*.resultUrl',
        '*.signedUrl',
        '*.authorization',
        '*.headers.authorization',
        '*.headers.cookie',
        'url',
        'databaseUrl',
        'secret',
        'signedUrl',
      ],
      censor: '[redacted]',
    },
  };
  // stdout unless a test captures the lines.
  return destination ? pino(options, destination) : pino(options);
}
