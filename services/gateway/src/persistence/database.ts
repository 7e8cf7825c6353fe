import postgres, { type Sql } from 'postgres';

/**
 * Opens the gateway's connection pool with the settings the persistence layer expects: plain
 * column names (the queries alias to camelCase themselves), and notices kept off stdout.
 */
export function connectDatabase(url: string, options: { max?: number; applicationName?: string } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'revive-gateway' },
  });
}
