import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from './free-port.ts';

/** A real PostgreSQL on loopback (tests, and `npm start` on one machine). */
export interface RunningPostgres {
  /** Connection URL for the application role and database, e.g. postgres://revive@127.0.0.1:5433/revive. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** Cluster directory; kept across runs. Omitted: a temporary directory removed on stop. */
  readonly dataDir?: string;
  /** TCP port on 127.0.0.1; omitted or 0: a free one. */
  readonly port?: number;
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
  try {
    await prepareDataDir(dataDir, owner);
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initCluster(bin, dataDir, owner, temporary);
    // A free port can be taken between our probe and postgres' bind: try another.
    for (let attempt = 1; ; attempt++) {
      const port = options.port || (await freePort());
      try {
        const child = await runPostmaster(bin, dataDir, port, owner, temporary);
        const server = handle(child, port, dataDir, temporary);
        try {
          await ensureAppDatabase(port);
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

async function initCluster(bin: string, dataDir: string, owner: ClusterOwner | undefined, temporary: boolean): Promise<void> {
  const args = ['-D', dataDir, `--username=${SUPERUSER}`, '--encoding=UTF8', '--locale=C', '--auth=trust', '--no-instructions'];
  // A temporary cluster dies with the test run; syncing it to disk only costs time.
  if (temporary) args.push('--no-sync');
  const child = spawn(join(bin, 'initdb'), args, spawnOptions(owner));
  const log = collect(child);
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`initdb ${dataDir} exited with ${code}:\n${log.text()}`);
  // Trust is only safe because nobody else can connect: the unix socket and 127.0.0.1, nothing more.
  const hba = join(dataDir, 'pg_hba.conf');
  await writeFile(
    hba,
    '# Written by @revive/local-services: loopback only, no passwords.\nlocal all all trust\nhost all all 127.0.0.1/32 trust\n',
    { mode: 0o600 },
  );
  if (owner) await chown(hba, owner.uid, owner.gid);
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
  const settings = [`listen_addresses=127.0.0.1`, `port=${port}`, `unix_socket_directories=${socketDir}`];
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

function handle(child: ChildProcess, port: number, dataDir: string, temporary: boolean): RunningPostgres {
  // A test that forgets stop() must not leave a postmaster holding the port after node exits.
  const onExit = () => child.exitCode === null && child.kill('SIGINT');
  process.on('exit', onExit);
  return {
    url: `postgres://${APP_ROLE}@127.0.0.1:${port}/${APP_DATABASE}`,
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

/** Creates the application role and database once; later starts find them. */
async function ensureAppDatabase(port: number): Promise<void> {
  const sql = postgres({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres', max: 1, onnotice: () => {} });
  try {
    const [role] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${APP_ROLE}`;
    if (!role) await sql.unsafe(`CREATE ROLE ${APP_ROLE} LOGIN`);
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
