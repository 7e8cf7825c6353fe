import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The one way a Revive process logs: pino JSON on stdout, one line per record, with the
 * service name on every line. Secrets and presigned URLs never go into log fields.
 */
export function createLogger(service: string, level: string = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Object URLs carry signatures; credentials may sit in connection strings.
    redact: { paths: ['*.url', '*.password', '*.secretAccessKey', 'url', 'databaseUrl'], censor: '[redacted]' },
  });
}
