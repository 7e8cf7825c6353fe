import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The files of a local HTTPS setup: the CA people install on their devices, and the gateway's certificate. */
export interface LocalTlsFiles {
  /** The CA certificate (public): import it into a browser or OS, or hand it to NODE_EXTRA_CA_CERTS / curl --cacert. */
  readonly caCertFile: string;
  /** The gateway's certificate followed by the CA's (the chain it serves). */
  readonly certFile: string;
  readonly keyFile: string;
  /** The names and addresses the certificate covers. */
  readonly hosts: readonly string[];
}

const CA_DAYS = 3650;
/** Within what browsers accept for a certificate (398 days); renewed a month before it ends. */
const CERT_DAYS = 397;
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/**
 * Names this machine answers to on the LAN: localhost and the loopback addresses, its host name
 * (and `<name>.local`, mDNS), and every address of its network interfaces.
 */
export function localMachineHosts(): string[] {
  const name = hostname();
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && !a.address.startsWith('fe80:'))
    .map((a) => a!.address);
  return unique(['localhost', '127.0.0.1', '::1', name, ...(name.includes('.') ? [] : [`${name}.local`]), ...addresses]);
}

/**
 * A local certificate authority made once in `dir` (its key never leaves the folder, 0600), and a
 * certificate it signs for `hosts`, made again when a host is missing or it nears its end. For an
 * install on a LAN: import `ca.pem` once on each device and every later certificate is trusted.
 * Keys come from node:crypto, certificates from the system's `openssl` (Debian ships it).
 */
export async function ensureLocalTls(dir: string, hosts: readonly string[]): Promise<LocalTlsFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const files = {
    caCertFile: join(dir, 'ca.pem'),
    caKeyFile: join(dir, 'ca-key.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server-key.pem'),
  };
  const wanted = unique(hosts);
  if (!existsSync(files.caCertFile) || !existsSync(files.caKeyFile)) await makeCa(files.caCertFile, files.caKeyFile);
  const ca = new X509Certificate(await readFile(files.caCertFile));
  if (!(await certificateServes(files.certFile, files.keyFile, ca, wanted))) await makeServerCertificate(files, wanted);
  return { caCertFile: files.caCertFile, certFile: files.certFile, keyFile: files.keyFile, hosts: wanted };
}

/** Whether the certificate there was signed by this CA, covers every host, and is not about to end. */
async function certificateServes(certFile: string, keyFile: string, ca: X509Certificate, hosts: readonly string[]): Promise<boolean> {
  if (!existsSync(keyFile)) return false;
  const pem = await readFile(certFile, 'utf8').catch(() => undefined);
  if (!pem) return false;
  const cert = new X509Certificate(pem);
  return (
    cert.verify(ca.publicKey) &&
    Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS &&
    hosts.every((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h, { wildcards: false })) !== undefined)
  );
}

async function makeCa(certFile: string, keyFile: string): Promise<void> {
  await withScratch(async (scratch) => {
    const key = join(scratch, 'ca-key.pem');
    await writeKey(key);
    const config = join(scratch, 'ca.cnf');
    await writeFile(
      config,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        `CN = Revive local CA (${hostname()})`,
        '[ext]',
        // It signs server certificates and nothing under it may sign more.
        'basicConstraints = critical,CA:TRUE,pathlen:0',
        'keyUsage = critical,keyCertSign,cRLSign',
        'subjectKeyIdentifier = hash',
        '',
      ].join('\n'),
    );
    const out = join(scratch, 'ca.pem');
    await openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-config',
      config,
      '-extensions',
      'ext',
      '-days',
      String(CA_DAYS),
      '-sha256',
      '-set_serial',
      serial(),
      '-out',
      out,
    ]);
    await install(key, keyFile, 0o600);
    await install(out, certFile, 0o644);
  });
}

async function makeServerCertificate(
  files: { caCertFile: string; caKeyFile: string; certFile: string; keyFile: string },
  hosts: readonly string[],
): Promise<void> {
  await withScratch(async (scratch) => {
    const key = join(scratch, 'server-key.pem');
    await writeKey(key);
    const names = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    const config = join(scratch, 'server.cnf');
    await writeFile(
      config,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        `CN = ${hosts.find((h) => !isIP(h)) ?? hosts[0]}`,
        '[ext]',
        'basicConstraints = critical,CA:FALSE',
        'keyUsage = critical,digitalSignature',
        'extendedKeyUsage = serverAuth',
        `subjectAltName = ${names}`,
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        '',
      ].join('\n'),
    );
    const csr = join(scratch, 'server.csr');
    const cert = join(scratch, 'server-cert.pem');
    await openssl(['req', '-new', '-key', key, '-config', config, '-out', csr]);
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      files.caCertFile,
      '-CAkey',
      files.caKeyFile,
      '-set_serial',
      serial(),
      '-days',
      String(CERT_DAYS),
      '-sha256',
      '-extfile',
      config,
      '-extensions',
      'ext',
      '-out',
      cert,
    ]);
    // The chain the gateway serves: its certificate, then the CA's.
    const chain = join(scratch, 'server.pem');
    await writeFile(chain, `${(await readFile(cert, 'utf8')).trim()}\n${(await readFile(files.caCertFile, 'utf8')).trim()}\n`);
    await install(key, files.keyFile, 0o600);
    await install(chain, files.certFile, 0o644);
  });
}

/** A P-256 private key (PKCS#8 PEM), private from the start. */
async function writeKey(path: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

async function openssl(args: string[]): Promise<void> {
  try {
    await promisify(execFile)('openssl', args, { timeout: 30_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string; code?: string };
    if (e.code === 'ENOENT')
      throw new Error('making a local CA needs the openssl command (Debian: apt-get install openssl)', { cause: error });
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`, { cause: error });
  }
}

/** A positive random 128-bit serial number (RFC 5280 wants them unpredictable). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return `0x${bytes.toString('hex')}`;
}

async function withScratch(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'revive-tls-'));
  try {
    await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Moves a finished file into place (same file system: a copy first), with its final mode. */
async function install(from: string, to: string, mode: number): Promise<void> {
  const staged = `${to}.new`;
  await writeFile(staged, await readFile(from), { mode });
  await chmod(staged, mode);
  await rename(staged, to);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))];
}
