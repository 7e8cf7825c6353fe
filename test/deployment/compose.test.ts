// deploy/docker/compose.yaml: the whole stack on one Docker host. Checks that it parses, runs
// every service from its own Dockerfile target with settings the config parser accepts (names
// and values), probes the ports the services listen on, and keeps secrets out of the file.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadPlatformConfig, repoRoot } from '@revive/config';
import { NATS_SERVICES, natsSeedVariable, natsUserVariable } from '@revive/messaging';
import { acceptedEnv, SDK_CREDENTIAL_ENV } from './support/accepted-env.ts';
import { deployedServices } from './support/workspaces.ts';

const composePath = join(repoRoot, 'deploy/docker/compose.yaml');
const composeText = readFileSync(composePath, 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
  healthcheck?: { test: string[] };
}
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const services = deployedServices();

/** The .env keys compose interpolates (`${NAME:?…}` / `${NAME}`), and sample values for them. */
const interpolated = [...composeText.matchAll(/\$\{(\w+)(?::?[?-][^}]*)?\}/g)].map((m) => m[1]!);
const sampleEnv = (value: string): string =>
  value.replace(/\$\{(\w+)(?::?[?-][^}]*)?\}/g, (_, name: string) =>
    name.includes('SECRET') ? 's'.repeat(48) : name.includes('_SEED_') ? `SU${'A'.repeat(56)}` : `sample-${name.toLowerCase()}`,
  );
/** The NATS keys `npm run credentials -- nats-keys` appends to .env (the example describes them). */
const natsKeys = [...NATS_SERVICES, 'admin' as const].flatMap((u) => [natsUserVariable(u), natsSeedVariable(u)]);

describe('deploy/docker/compose.yaml', () => {
  it('parses, and runs each deployed service from its own target of the one Dockerfile', () => {
    for (const name of services) {
      const svc = compose.services[name];
      assert.ok(svc, `no compose service ${name}`);
      assert.equal(svc.build?.target, name);
      assert.equal(resolve(dirname(composePath), svc.build!.context, svc.build!.dockerfile), join(repoRoot, 'deploy/docker/Dockerfile'));
    }
  });

  it('has the infrastructure: NATS JetStream on disk with fsync, PostgreSQL, MinIO with its bucket, the observability stack', () => {
    for (const name of ['nats', 'postgres', 'minio', 'minio-init', 'otel-collector', 'tempo', 'prometheus', 'grafana'])
      assert.ok(compose.services[name], `no ${name}`);
    const natsConf = readFileSync(join(repoRoot, 'deploy/docker/nats.conf'), 'utf8');
    assert.match(natsConf, /jetstream\s*\{[^}]*store_dir:\s*\/data/);
    assert.match(natsConf, /sync_interval:\s*always/);
    assert.ok(
      compose.services.nats!.volumes?.some((v) => v.endsWith(':/data')),
      'the JetStream store is a volume',
    );
    assert.match(compose.services['minio-init']!.command!.join(' '), /mc mb --ignore-existing local\/revive-media/);
    const bucket = compose.services.gateway!.environment!.REVIVE_S3_BUCKET;
    assert.equal(bucket, 'revive-media');
  });

  it('mounts observability/ configuration files that exist', () => {
    const mounts = Object.values(compose.services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(':')[0]!)
      .filter((p) => p.includes('observability/'));
    assert.ok(mounts.length >= 5, `observability mounts: ${mounts.join(', ')}`);
    for (const m of mounts) assert.ok(existsSync(resolve(dirname(composePath), m)), `${m} does not exist`);
  });

  it('gives every Revive service only variables the config parsers accept, with values they parse', () => {
    const accepted = acceptedEnv();
    for (const name of services) {
      const env = compose.services[name]!.environment ?? {};
      for (const key of Object.keys(env))
        assert.ok(accepted.has(key) || SDK_CREDENTIAL_ENV.includes(key), `${name}: ${key} is not read by any config parser`);
      const values = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, sampleEnv(String(v))]));
      const config = loadPlatformConfig(values);
      assert.equal(config.store.kind, 's3');
      assert.equal(config.nats.url, 'nats://nats:4222');
    }
  });

  it('health checks ask the port each service listens on, as the parser reads it', () => {
    for (const name of services) {
      const svc = compose.services[name]!;
      const config = loadPlatformConfig(
        Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, sampleEnv(String(v))])),
      );
      const port = name === 'gateway' ? config.gateway.port : config.health.port;
      assert.ok(port, `${name}: no port to probe`);
      const check = (svc.healthcheck?.test ?? []).join(' ');
      assert.ok(check.includes(`http://127.0.0.1:${port}/readyz`), `${name}: healthcheck should ask :${port}/readyz, is ${check}`);
      if (name === 'gateway') assert.equal(config.gateway.host, '0.0.0.0', 'the gateway must listen beyond loopback in a container');
    }
  });

  it('keeps secrets out of the file: passwords and keys come from deploy/docker/.env', () => {
    const example = readFileSync(join(repoRoot, 'deploy/docker/.env.example'), 'utf8');
    const exampleKeys = new Set([...[...example.matchAll(/^(\w+)=/gm)].map((m) => m[1]!), ...natsKeys]);
    assert.match(example, /npm run -s credentials -- nats-keys >> deploy\/docker\/\.env/);
    for (const key of new Set(interpolated)) assert.ok(exampleKeys.has(key), `.env.example lacks ${key}`);
    for (const svc of Object.values(compose.services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        if (/PASSWORD|SECRET|ACCESS_KEY|SEED/.test(key))
          assert.match(String(value), /^\$\{\w+:\?/, `${key} must come from .env (\${NAME:?…}), not be written here`);
      }
    }
    assert.match(readFileSync(join(repoRoot, 'deploy/docker/.gitignore'), 'utf8'), /^\.env$/m);
  });

  it('no key material or AWS access key is written anywhere under deploy/', () => {
    // What deploy/docker/.gitignore keeps out of git (.env, tls/ made by `credentials -- local-ca`) is the operator's, never committed.
    const ignored = new Set(
      readFileSync(join(repoRoot, 'deploy/docker/.gitignore'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => join(repoRoot, 'deploy/docker', l.replace(/\/$/, ''))),
    );
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => !ignored.has(join(dir, e.name)))
        .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    const files = walk(join(repoRoot, 'deploy'));
    assert.ok(files.length > 10);
    for (const f of files)
      assert.doesNotMatch(readFileSync(f, 'utf8'), /AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|aws_secret_access_key\s*=/i, f);
  });

  it('lets only the services into NATS: each signs in with its own nkey, the server knows every one and includes the derived permissions', () => {
    const nats = compose.services.nats!;
    assert.match(readFileSync(join(repoRoot, 'deploy/docker/nats.conf'), 'utf8'), /^include \.\/nats-auth\.conf$/m);
    assert.ok(nats.volumes?.includes('./nats-auth.conf:/etc/nats/nats-auth.conf:ro'), 'nats-auth.conf is mounted beside nats.conf');
    assert.deepEqual(Object.keys(nats.environment ?? {}).sort(), [...NATS_SERVICES, 'admin' as const].map(natsUserVariable).sort());
    for (const name of services) {
      const seed = compose.services[name]!.environment?.REVIVE_NATS_NKEY_SEED ?? '';
      assert.match(seed, new RegExp(`^\\$\\{${natsSeedVariable(name as never)}:\\?`), `${name} signs in as itself`);
    }
  });

  it('compose.https.yaml serves the gateway over HTTPS with the mounted certificate, and probes it over HTTPS', () => {
    const text = readFileSync(join(repoRoot, 'deploy/docker/compose.https.yaml'), 'utf8');
    const override = parse(text) as { services: Record<string, ComposeService> };
    const gateway = override.services.gateway!;
    // Defaults as Compose fills them (`${NAME:-default}`) on top of the base file's gateway.
    const env = Object.fromEntries(
      Object.entries({ ...compose.services.gateway!.environment, ...gateway.environment }).map(([k, v]) => [
        k,
        sampleEnv(String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')),
      ]),
    );
    const config = loadPlatformConfig(env);
    assert.deepEqual(config.gateway.tls, { certFile: '/etc/revive/tls/server.pem', keyFile: '/etc/revive/tls/server-key.pem' });
    assert.equal(new URL(config.gateway.publicUrl).protocol, 'https:');
    assert.ok(gateway.volumes?.some((v) => v.endsWith(':/etc/revive/tls:ro')));
    assert.match(gateway.healthcheck!.test.join(' '), /require\('https'\)[\s\S]*port: 4000, path: '\/readyz'/);
    assert.match(text, /npm run credentials -- local-ca deploy\/docker\/tls/);
  });

  it('pins every image to a version', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build) continue;
      const tag = svc.image?.split(':')[1];
      assert.ok(tag && tag !== 'latest', `${name}: image ${svc.image} is not pinned`);
    }
  });
});
