import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from './cli-args.ts';

/** The file `npm start` writes the local `owner` user's token to, under its state folder. */
export const OWNER_TOKEN_FILE = 'owner-token';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Whether the URL names this machine: only then may a token read from local state be sent to it. */
export function isLoopback(url: string): boolean {
  return LOOPBACK.test(new URL(url).hostname);
}

/**
 * With no --token and no REVIVE_TOKEN, a gateway on this machine gets the token `npm start`
 * left in `$REVIVE_STATE_DIR/owner-token` (default `.revive/owner-token` under the current
 * folder), when there is one. A remote gateway never gets it.
 */
export async function withLocalToken(
  connection: Connection,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): Promise<Connection> {
  if (connection.token || !isLoopback(connection.url)) return connection;
  const path = join(env.REVIVE_STATE_DIR || join(cwd, '.revive'), OWNER_TOKEN_FILE);
  const token = (await readFile(path, 'utf8').catch(() => '')).trim();
  return token ? { ...connection, token } : connection;
}
