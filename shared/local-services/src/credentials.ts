import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { localCredentialPaths, readLocalPostgresPasswords, type LocalPostgresPasswords } from '@revive/config';
import { generateNkeyUser, NATS_SERVICES, nkeyUserOf, type NatsService, type NkeyUser } from '@revive/messaging';

/** Who may connect to a local stack's PostgreSQL and NATS; generated once per state dir. */
export interface LocalCredentials {
  readonly postgres: LocalPostgresPasswords;
  /** One user per service, and `admin` (the operator: NATS CLI, tests that look at the stream). */
  readonly nats: Readonly<Record<NatsService | 'admin', NkeyUser>>;
}

/** A password of 32 random bytes; base64url needs no quoting in a URL or SQL literal. */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The state dir's credentials, made on first use and kept: only this OS user can read them (the
 * folders 0700, the files 0600, tightened again on every start). Another local user can reach
 * PostgreSQL's and NATS's loopback ports, but not sign in to either.
 */
export async function ensureLocalCredentials(stateDir: string): Promise<LocalCredentials> {
  const paths = localCredentialPaths(stateDir);
  for (const dir of [paths.dir, paths.natsDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  let postgres = readLocalPostgresPasswords(stateDir);
  if (!postgres) {
    postgres = { superuser: generatePassword(), app: generatePassword() };
    await writeFile(paths.postgres, `${JSON.stringify(postgres)}\n`, { mode: 0o600 });
  }
  await chmod(paths.postgres, 0o600);
  const nats = {} as Record<NatsService | 'admin', NkeyUser>;
  for (const user of [...NATS_SERVICES, 'admin'] as const) {
    const file = paths.natsSeed(user);
    const seed = (await readFile(file, 'utf8').catch(() => '')).trim();
    nats[user] = seed ? nkeyUserOf(seed) : generateNkeyUser();
    if (!seed) await writeFile(file, `${nats[user].seed}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return { postgres, nats };
}
