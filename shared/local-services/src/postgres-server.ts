import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { LocalPostgresPasswords } from '@revive/config';
import { generatePassword } from './credentials.ts';
import { freePort } from './free-port.ts';

/** A real PostgreSQL on loopback (tests, and `npm start` on one machine). */
export interface RunningPostgres {
  /** Connection URL for the application role and database, password included: postgres://revive:…@127.0.0.1:5433/revive. */
  readonly url: string;
  /** The superuser's URL (postgres:…@…/postgres), for tests and tools that create databases. */
  readonly adminUrl: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** Cluster directory; kept across runs. Omitted: a temporary directory removed on stop. */
  readonly dataDir?: string;
  /** TCP port on 127.0.0.1; omitted or 0: a free one. */
  readonly port?: number;
  /**
   * The superuser's and the application role's passwords, set on every start (a cluster from
   * before passwords, or one whose passwords were lost, takes these). Omitted: random ones for this run.
   */
  readonly passwords?: LocalPostgresPasswords;
}

const ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'postgres';
const APP_ROLE = 'revive';
const APP_DATABASE = 'revive';
/** Linux caps a unix socket path at 108 bytes; `.s.PGSQL.65535` takes 15 of them. */
const MAX_SOCKET_DIR = 90;

/** The bin directory of the highest PostgreSQL major version Debian's packages installed. */
export function postgresBinDir(): string {
  const versions = existsSync(ROOT) ? readdirSync(ROOT).filter((v) => /^\d+$/.test(v) && existsSync(join(ROOT, v, 'bin', 'postgres'))) : [];
  const highest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (highest === undefined) throw new Error(`PostgreSQL is not installed (no ${ROOT}/<version>/bin/postgres): run npm run setup:system`);
  return join(ROOT, highest, 'bin');
}

/** Starts PostgreSQL on 127.0.0.1, creating the cluster, role and database when missing. */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const owner = await clusterOwner();
  const temporary = options.dataDir === undefined;
  const dataDir = resolve(options.dataDir ?? (await mkdtemp(join(tmpdir(), 'revive-pg-'))));
  const passwords = options.passwords ?? { superuser: generatePassword(), app: generatePassword() };
  try {
    await prepareDataDir(dataDir, owner);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initCluster(bin, dataDir, owner, temporary, passwords.superuser);
    else await setSuperuserPassword(bin, dataDir, owner, passwords.superuser);
    await writeHba(dataDir, owner);
    // A free port can be taken between our probe and postgres' bind: try another.
    for (let attempt = 1; ; attempt++) {
      const port = options.port || (await freePort());
      try {
        const child = await runPostmaster(bin, dataDir, port, owner, temporary);
        const server = handle(child, port, dataDir, temporary, passwords);
        try {
          await ensureAppDatabase(port, passwords);
        } catch (e) {
          await server.stop();
          throw e;
        }
        return server;
      } catch (e) {
        if (options.port || attempt >= 3 || !/could not bind|Address already in use/.test(String(e))) throw e;
      }
    }
  } catch (e) {
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}

interface ClusterOwner {
  readonly uid: number;
  readonly gid: number;
}

/** postgres refuses to run as root, so root runs it as Debian's `postgres` user; anyone else runs it as themselves. */
async function clusterOwner(): Promise<ClusterOwner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const entry = passwd.split('\n').find((line) => line.startsWith(`${SUPERUSER}:`));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (uid === undefined || gid === undefined)
    throw new Error(`running as root needs the '${SUPERUSER}' system user, which the postgresql package creates: run npm run setup:system`);
  return { uid: Number(uid), gid: Number(gid) };
}

/** postgres insists its data directory belongs to it and is private (0700). */
async function prepareDataDir(dataDir: string, owner: ClusterOwner | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const entries = await readdir(dataDir);
  if (entries.length > 0 && !entries.includes('PG_VERSION'))
    throw new Error(`${dataDir} is neither empty nor a PostgreSQL cluster; refusing to touch it`);
  if (owner) {
    // A cluster first made by a non-root run (or copied in) must change hands as a whole.
    if ((await stat(dataDir)).uid !== owner.uid) await promisify(execFile)('chown', ['-R', `${owner.uid}:${owner.gid}`, dataDir]);
    const reachable = spawnSync('test', ['-w', dataDir], { uid: owner.uid, gid: owner.gid }).status === 0;
    if (!reachable) throw new Error(`the ${SUPERUSER} user cannot reach ${dataDir}: every parent directory needs o+x`);
  }
  await chmod(dataDir, 0o700);
}

async function initCluster(
  bin: string,
  dataDir: string,
  owner: ClusterOwner | undefined,
  temporary: boolean,
  superuserPassword: string,
): Promise<void> {
  // The password goes through a private file, never the command line (which every local user can read in ps).
  const pwDir = await mkdtemp(join(tmpdir(), 'revive-pg-pw-'));
  try {
    const pwFile = join(pwDir, 'password');
    await writeFile(pwFile, `${superuserPassword}\n`, { mode: 0o600 });
    if (owner) await Promise.all([chown(pwDir, owner.uid, owner.gid), chown(pwFile, owner.uid, owner.gid)]);
    const args = ['-D', dataDir, `--username=${SUPERUSER}`, '--encoding=UTF8', '--locale=C', '--auth=scram-sha-256', `--pwfile=${pwFile}`];
    args.push('--no-instructions');
    // A temporary cluster dies with the test run; syncing it to disk only costs time.
    if (temporary) args.push('--no-sync');
    const result = await runWithInput(join(bin, 'initdb'), args, '', owner);
    if (result.status !== 0) throw new Error(`initdb ${dataDir} exited with ${result.status}:\n${result.log}`);
  } finally {
    await rm(pwDir, { recursive: true, force: true });
  }
}

/**
 * Sets the superuser's password in single-user mode, before the server listens: a cluster made
 * before Revive used passwords (its pg_hba trusted every local user), or whose password file was
 * lost, takes the state dir's password without ever being open to anyone.
 */
async function setSuperuserPassword(bin: string, dataDir: string, owner: ClusterOwner | undefined, password: string): Promise<void> {
  const statement = `ALTER ROLE ${SUPERUSER} WITH PASSWORD ${literal(password)};\n`;
  const args = ['--single', '-D', dataDir, '-c', 'listen_addresses=', '-c', 'unix_socket_directories=', SUPERUSER];
  const result = await runWithInput(join(bin, 'postgres'), args, statement, owner);
  if (result.status !== 0 || /\b(ERROR|FATAL):/.test(result.log))
    throw new Error(`could not set the PostgreSQL superuser's password in ${dataDir}:\n${result.log.replaceAll(password, '…')}`);
}

/** Every connection, over the socket or 127.0.0.1, signs in with a password (SCRAM); nothing is trusted. */
async function writeHba(dataDir: string, owner: ClusterOwner | undefined): Promise<void> {
  const hba = join(dataDir, 'pg_hba.conf');
  await writeFile(
    hba,
    '# Written by @revive/local-services: loopback only, a password (SCRAM) for every role.\n' +
      'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n',
    { mode: 0o600 },
  );
  await chmod(hba, 0o600);
  if (owner) await chown(hba, owner.uid, owner.gid);
}

/** Runs a PostgreSQL program with `input` on its stdin; its exit status and output. */
async function runWithInput(
  program: string,
  args: string[],
  input: string,
  owner: ClusterOwner | undefined,
): Promise<{ status: number | null; log: string }> {
  const child = spawn(program, args, { ...spawnOptions(owner), stdio: ['pipe', 'pipe', 'pipe'] });
  const log = collect(child);
  child.stdin?.end(input);
  const status = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('exit', done);
  });
  return { status, log: log.text() };
}

/** A SQL string literal (passwords are base64url, but a caller's may hold a quote). */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function runPostmaster(
  bin: string,
  dataDir: string,
  port: number,
  owner: ClusterOwner | undefined,
  temporary: boolean,
): Promise<ChildProcess> {
  // The socket lives in the cluster, not /var/run/postgresql, so it never collides with a system cluster.
  const socketDir = dataDir.length <= MAX_SOCKET_DIR ? dataDir : '';
  const settings = [
    `listen_addresses=127.0.0.1`,
    `port=${port}`,
    `unix_socket_directories=${socketDir}`,
    'password_encryption=scram-sha-256',
  ];
  if (temporary) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  const child = spawn(join(bin, 'postgres'), ['-D', dataDir, ...settings.flatMap((s) => ['-c', s])], spawnOptions(owner));
  const log = collect(child);
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`postgres did not accept connections within 30 s:\n${log.text()}`)), 30_000);
    const settle = (e?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      if (!e) return ready();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      fail(e);
    };
    // Recovery after a crash (a stale postmaster.pid is postgres' own business) ends with this line too.
    const check = () => /database system is ready to accept connections/.test(log.text()) && settle();
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('error', (e) => settle(new Error(`cannot run postgres (npm run setup:system installs it): ${e.message}`)));
    child.once('exit', (code) => settle(new Error(`postgres exited with ${code}:\n${log.text()}`)));
  });
  return child;
}

function handle(
  child: ChildProcess,
  port: number,
  dataDir: string,
  temporary: boolean,
  passwords: LocalPostgresPasswords,
): RunningPostgres {
  // A test that forgets stop() must not leave a postmaster holding the port after node exits.
  const onExit = () => child.exitCode === null && child.kill('SIGINT');
  process.on('exit', onExit);
  const url = (role: string, password: string, database: string) =>
    `postgres://${role}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    url: url(APP_ROLE, passwords.app, APP_DATABASE),
    adminUrl: url(SUPERUSER, passwords.superuser, 'postgres'),
    port,
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT'); // fast shutdown: abort sessions, checkpoint, exit cleanly
        const timer = setTimeout(() => child.kill('SIGQUIT'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates the application role and database once; later starts find them. The role's password is
 * set each time (the state dir's is the one that counts), and it never holds superuser rights:
 * those would let it run programs on the host (`COPY … TO PROGRAM`).
 */
async function ensureAppDatabase(port: number, passwords: LocalPostgresPasswords): Promise<void> {
  const sql = postgres({
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    password: passwords.superuser,
    database: 'postgres',
    max: 1,
    onnotice: () => {},
  });
  try {
    const [role] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${APP_ROLE}`;
    await sql.unsafe(
      `${role ? 'ALTER' : 'CREATE'} ROLE ${APP_ROLE} WITH LOGIN NOSUPERUSER NOCREATEROLE PASSWORD ${literal(passwords.app)}`,
    );
    const [database] = await sql`SELECT 1 FROM pg_database WHERE datname = ${APP_DATABASE}`;
    if (!database) await sql.unsafe(`CREATE DATABASE ${APP_DATABASE} OWNER ${APP_ROLE}`);
  } finally {
    await sql.end();
  }
}

function spawnOptions(owner: ClusterOwner | undefined) {
  return {
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    // Root's working directory may be unreadable for the postgres user; messages must be English to be matched.
    cwd: '/',
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    ...(owner ?? {}),
  };
}

/** Keeps the tail of a child's output for error messages, and drains the pipes so it never blocks on them. */
function collect(child: ChildProcess): { text(): string } {
  let log = '';
  const add = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-16_384);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return { text: () => log };
}
