// Installs the Debian/Ubuntu packages Revive runs (never by hand): called by `npm start`'s and
// `npm test`'s pre-steps and by .ci/run. Idempotent: does nothing when every command exists.
import { spawnSync } from 'node:child_process';

/** Command on PATH → Debian package that provides it. */
const REQUIRED: ReadonlyArray<{ command: string; pkg: string; why: string }> = [
  { command: 'ffmpeg', pkg: 'ffmpeg', why: 'video decoding/encoding and the minterpolate frame-interpolation baseline' },
  { command: 'ffprobe', pkg: 'ffmpeg', why: 'probing uploaded videos' },
  { command: 'nats-server', pkg: 'nats-server', why: 'the JetStream event bus the pipeline is choreographed over' },
  { command: 'pg_ctlcluster', pkg: 'postgresql', why: 'PostgreSQL, where media metadata and state live' },
  {
    command: 'swift-ring-builder',
    pkg: 'swift',
    why: 'builds the rings of the local S3-compatible server (OpenStack Swift) tests run against',
  },
  {
    command: 'swift-proxy-server',
    pkg: 'swift-proxy',
    why: 'Swift proxy with the s3api middleware: the S3 endpoint of the object-store tests',
  },
  { command: 'swift-account-server', pkg: 'swift-account', why: 'Swift account server behind the test S3 endpoint' },
  { command: 'swift-container-server', pkg: 'swift-container', why: 'Swift container server (S3 buckets) behind the test S3 endpoint' },
  { command: 'swift-object-server', pkg: 'swift-object', why: 'Swift object server (S3 objects) behind the test S3 endpoint' },
  { command: 'chromium', pkg: 'chromium', why: 'headless browser for the web page end-to-end tests (driven by playwright-core)' },
  { command: 'openssl', pkg: 'openssl', why: 'signs the certificates of the local CA for HTTPS (REVIVE_TLS=local)' },
  { command: 'curl', pkg: 'curl', why: 'the HTTPS end-to-end test checks the gateway with a client other than node' },
];

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

const missing = REQUIRED.filter((r) => !has(r.command));
if (missing.length > 0) {
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  for (const m of missing) console.log(`system: ${m.command} is missing (${m.why})`);
  const root = process.getuid?.() === 0;
  if (!has('apt-get')) {
    console.error(`system: install ${pkgs.join(' ')} with your package manager; Revive's scripts only know apt`);
    process.exit(1);
  }
  const sudo = root ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) =>
    spawnSync(sudo[0] ?? args[0]!, [...sudo.slice(1), ...(sudo.length ? args : args.slice(1))], { stdio: 'inherit', env });
  let result = run(['apt-get', 'install', '-y', '--no-install-recommends', ...pkgs]);
  if (result.status !== 0) {
    // A fresh machine may not have package lists yet.
    run(['apt-get', 'update']);
    result = run(['apt-get', 'install', '-y', '--no-install-recommends', ...pkgs]);
  }
  if (result.status !== 0) {
    console.error(
      `system: could not install ${pkgs.join(' ')}${root ? '' : ' (needs root or passwordless sudo)'}; run: sudo apt-get install -y ${pkgs.join(' ')}`,
    );
    process.exit(1);
  }
}
