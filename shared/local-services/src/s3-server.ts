import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real S3-compatible server (OpenStack Swift with s3api + tempauth) on loopback. */
export interface RunningS3Server {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Stops the S3 proxy only (clients get connection refused; stored objects stay): an outage, for tests. */
  stopProxy(): Promise<void>;
  /** Starts the proxy again on the same port and resolves once it answers. */
  startProxy(): Promise<void>;
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  /** Where the temporary cluster directory goes; it must support user xattrs. Omitted: the first of the OS temp dir, /var/tmp, /dev/shm that does. */
  readonly parentDir?: string;
}

const REGION = 'us-east-1';
const ACCOUNT = 'revive';
const USER = 'tester';
const SERVERS = ['account', 'container', 'object'] as const;
type Role = (typeof SERVERS)[number] | 'proxy';

/**
 * Starts Debian's Swift (proxy with s3api and tempauth, one account, container and object server,
 * one replica) as child processes and resolves once every one of them answers HTTP. S3 requests
 * are checked with real v4 signatures against a random secret; stop() removes every file.
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<RunningS3Server> {
  const root = await xattrCapableTempDir(options.parentDir);
  const etc = join(root, 'etc');
  const devices = join(root, 'devices');
  const children: Array<{ child: ChildProcess; failed: Promise<never> }> = [];
  const killAll = () => children.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL'));
  process.once('exit', killAll);

  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(children.map(({ child }) => terminate(child)));
    await rm(root, { recursive: true, force: true });
  };

  try {
    await mkdir(etc);
    await mkdir(join(devices, 'd1'), { recursive: true });
    // Ports are chosen up front because the rings must name them; nothing listens on `memcache`,
    // so tempauth's required cache fails fast instead of sharing state with a host memcached.
    const [proxy, account, container, object, memcache] = await freePorts(5);
    const ports = { proxy: proxy!, account: account!, container: container!, object: object! };
    const secretAccessKey = randomBytes(24).toString('hex');
    const common = [
      '[DEFAULT]',
      'bind_ip = 127.0.0.1',
      // One process, no forking: no privilege drop (so root and normal users both work) and a
      // SIGTERM to the child is the whole shutdown.
      'workers = 0',
      `user = ${userInfo().username}`,
      `swift_dir = ${etc}`,
      `devices = ${devices}`,
      'mount_check = false',
      // The default reserves 1% of the disk and answers 507 on fuller test machines.
      'fallocate_reserve = 0',
      // Console logging (-v) is what we read; keep syslog traffic off the host's /dev/log.
      'log_udp_host = 127.0.0.1',
    ];
    const configs: Record<Role, string[]> = {
      account: [
        ...common,
        `bind_port = ${ports.account}`,
        '',
        '[pipeline:main]',
        'pipeline = account-server',
        '',
        '[app:account-server]',
        'use = egg:swift#account',
      ],
      container: [
        ...common,
        `bind_port = ${ports.container}`,
        '',
        '[pipeline:main]',
        'pipeline = container-server',
        '',
        '[app:container-server]',
        'use = egg:swift#container',
      ],
      object: [
        ...common,
        `bind_port = ${ports.object}`,
        '',
        '[pipeline:main]',
        'pipeline = object-server',
        '',
        '[app:object-server]',
        'use = egg:swift#object',
      ],
      proxy: [
        ...common,
        `bind_port = ${ports.proxy}`,
        '',
        '[pipeline:main]',
        // s3api before its auth, slo after it (multipart uploads), as s3api's pipeline check demands.
        'pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server',
        '',
        '[app:proxy-server]',
        'use = egg:swift#proxy',
        'account_autocreate = true',
        '',
        ...['catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'listing_formats', 'copy', 'slo', 'dlo'].flatMap((f) => [
          `[filter:${f}]`,
          `use = egg:swift#${f.replace('-', '_')}`,
          '',
        ]),
        '[filter:cache]',
        'use = egg:swift#memcache',
        `memcache_servers = 127.0.0.1:${memcache}`,
        '',
        '[filter:s3api]',
        'use = egg:swift#s3api',
        `location = ${REGION}`,
        '',
        '[filter:tempauth]',
        'use = egg:swift#tempauth',
        `user_${ACCOUNT}_${USER} = ${secretAccessKey} .admin`,
      ],
    };
    const start = async (role: Role) => {
      const conf = join(etc, `${role}-server.conf`);
      await writeFile(conf, `${configs[role].join('\n')}\n`);
      children.push(startSwiftProcess(role, conf));
    };
    // Only the proxy reads the rings, so the storage servers boot while they are built.
    await Promise.all([...SERVERS.map((role) => buildRing(etc, role, ports[role])), ...SERVERS.map(start)]);
    await start('proxy');

    await Promise.race([
      Promise.all([...SERVERS, 'proxy' as const].map((role) => waitForHttp(ports[role], role))),
      ...children.map((c) => c.failed),
    ]);
    const proxyConf = join(etc, 'proxy-server.conf');
    const stopProxy = async () => {
      const index = children.findIndex(
        ({ child }) => child.spawnargs.includes(proxyConf) && child.exitCode === null && child.signalCode === null,
      );
      if (index >= 0) await terminate(children.splice(index, 1)[0]!.child);
    };
    const startProxy = async () => {
      const proxyProcess = startSwiftProcess('proxy', proxyConf);
      children.push(proxyProcess);
      await Promise.race([waitForHttp(ports.proxy, 'proxy'), proxyProcess.failed]);
    };
    return {
      endpoint: `http://127.0.0.1:${ports.proxy}`,
      region: REGION,
      accessKeyId: `${ACCOUNT}:${USER}`,
      secretAccessKey,
      stopProxy,
      startProxy,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function startSwiftProcess(role: Role, conf: string) {
  // -v keeps a console log handler on stderr after Swift detaches its stdio.
  const child = spawn(swiftBinary(`swift-${role}-server`), [conf, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Settles only if the server dies; startup races it against the servers answering.
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new Error(`cannot run swift-${role}-server (npm run setup:system installs it): ${e.message}`)));
    child.once('exit', (code, signal) => reject(new Error(`swift ${role} server exited (${code ?? signal}):\n${tail}`)));
  });
  failed.catch(() => undefined);
  return { child, failed };
}

function swiftBinary(name: string): string {
  for (const dir of ['/usr/bin', '/usr/local/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  return name;
}

async function buildRing(etc: string, role: (typeof SERVERS)[number], port: number): Promise<void> {
  const builder = join(etc, `${role}.builder`);
  const ringBuilder = swiftBinary('swift-ring-builder');
  // 2^6 partitions, one replica, min_part_hours 0: a single-device test ring.
  await run(ringBuilder, [builder, 'create', '6', '1', '0']);
  await run(ringBuilder, [builder, 'add', `r1z1-127.0.0.1:${port}/d1`, '100']);
  // Exit status 1 is only a warning (e.g. a lone device cannot be "balanced" across zones).
  await run(ringBuilder, [builder, 'rebalance']).catch((e: { code?: number }) => {
    if (e.code !== 1) throw e;
  });
}

/** Swift's object server keeps metadata in user xattrs, which some tmpfs mounts refuse. */
async function xattrCapableTempDir(parentDir: string | undefined): Promise<string> {
  const candidates = parentDir ? [parentDir] : [...new Set([tmpdir(), '/var/tmp', '/dev/shm'])];
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const refused: string[] = [];
  for (const parent of candidates) {
    const dir = await mkdtemp(join(parent, 'revive-s3-')).catch(() => undefined);
    if (!dir) {
      refused.push(`${parent}: not writable`);
      continue;
    }
    try {
      await run(python, ['-c', 'import os, sys; os.setxattr(sys.argv[1], "user.revive.probe", b"1")', dir]);
      return dir;
    } catch (error) {
      refused.push(
        `${parent}: ${String((error as { stderr?: string }).stderr ?? error)
          .trim()
          .split('\n')
          .pop()}`,
      );
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw new Error(
    `no directory with user xattrs for Swift's object server (${refused.join('; ')}); pass parentDir on a filesystem that supports them`,
  );
}

async function freePorts(count: number): Promise<number[]> {
  // Held open together so the OS hands out distinct ports, then released for Swift to bind.
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function waitForHttp(port: number, role: Role, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Any HTTP answer means the server is up; backends answer 400 or 404 to a bare GET.
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthcheck`, { signal: AbortSignal.timeout(1_000) }).then(
      async (r) => (await r.arrayBuffer(), true),
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`swift ${role} server did not answer on port ${port} within ${timeoutMs / 1000} s`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
