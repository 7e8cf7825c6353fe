import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

/** Where `npm start` with `REVIVE_TLS=local` keeps its certificate authority, under its state folder. */
export const LOCAL_CA_FILE = join('tls', 'ca.pem');

/**
 * An HTTPS gateway started with `REVIVE_TLS=local` presents a certificate from the CA in
 * `$REVIVE_STATE_DIR/tls/ca.pem` (default `.revive/tls/ca.pem`), which no system trusts. When
 * that file is there, the CLI trusts it besides the system's roots, for fetch and the
 * subscription socket alike (both take the process's default CA list), so `revive` works against
 * the local gateway without NODE_EXTRA_CA_CERTS. Returns the file trusted, if any.
 */
export async function trustLocalCa(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): Promise<string | undefined> {
  if (new URL(url).protocol !== 'https:') return undefined;
  const file = join(env.REVIVE_STATE_DIR || join(cwd, '.revive'), LOCAL_CA_FILE);
  const pem = await readFile(file, 'utf8').catch(() => undefined);
  if (!pem) return undefined;
  setDefaultCACertificates([...getCACertificates('default'), pem]);
  return file;
}
