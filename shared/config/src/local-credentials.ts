import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The PostgreSQL passwords a local install generated: its superuser's and the application role's. */
export interface LocalPostgresPasswords {
  readonly superuser: string;
  readonly app: string;
}

/**
 * Where a local install (`npm start`, the test stacks) keeps the credentials it generated at first
 * start, in a folder only its OS user can enter (0700, files 0600): the PostgreSQL passwords, and
 * one NATS nkey seed per service plus `admin`'s (the operator's, for the NATS CLI: `--nkey <file>`).
 */
export function localCredentialPaths(stateDir: string) {
  const dir = join(stateDir, 'credentials');
  return {
    dir,
    postgres: join(dir, 'postgres.json'),
    natsDir: join(dir, 'nats'),
    natsSeed: (user: string) => join(dir, 'nats', `${user}.nk`),
  };
}

/** `npm start`'s PostgreSQL: loopback, its own port beside a system cluster's 5432. */
export const LOCAL_DATABASE = { host: '127.0.0.1', port: 5433, role: 'revive', database: 'revive' } as const;

/** The application role's password, when this state dir holds one. */
export function readLocalPostgresPasswords(stateDir: string): LocalPostgresPasswords | undefined {
  try {
    const parsed = JSON.parse(readFileSync(localCredentialPaths(stateDir).postgres, 'utf8')) as Partial<LocalPostgresPasswords>;
    return typeof parsed.superuser === 'string' && typeof parsed.app === 'string'
      ? { superuser: parsed.superuser, app: parsed.app }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The URL of the local install's database, signed in with the password generated into its state dir (operator CLIs find it so). */
export function localDatabaseUrl(stateDir: string, port: number = LOCAL_DATABASE.port): string {
  const password = readLocalPostgresPasswords(stateDir)?.app;
  const user = password ? `${LOCAL_DATABASE.role}:${encodeURIComponent(password)}` : LOCAL_DATABASE.role;
  return `postgres://${user}@${LOCAL_DATABASE.host}:${port}/${LOCAL_DATABASE.database}`;
}
