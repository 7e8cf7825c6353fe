// deploy/docker/compose.yaml: the whole stack on one Docker host. Checks that it parses, runs
// every service from its own Dockerfile target with settings the config parser accepts (names
// and values), probes the ports the services listen on, and keeps secrets out of the file.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadPlatformConfig, repoRoot } from '@revive/config';
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
    name.includes('SECRET') ? 's'.repeat(48) : `sample-${name.toLowerCase()}`,
  );

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
    const exampleKeys = new Set([...example.matchAll(/^(\w+)=/gm)].map((m) => m[1]!));
    for (const key of new Set(interpolated)) assert.ok(exampleKeys.has(key), `.env.example lacks ${key}`);
    for (const svc of Object.values(compose.services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        if (/PASSWORD|SECRET|ACCESS_KEY/.test(key))
          assert.match(String(value), /^\$\{\w+:\?/, `${key} must come from .env (\${NAME:?…}), not be written here`);
      }
    }
    assert.match(readFileSync(join(repoRoot, 'deploy/docker/.gitignore'), 'utf8'), /^\.env$/m);
  });

  it('no key material or AWS access key is written anywhere under deploy/', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    const files = walk(join(repoRoot, 'deploy'));
    assert.ok(files.length > 10);
    for (const f of files)
      assert.doesNotMatch(readFileSync(f, 'utf8'), /AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|aws_secret_access_key\s*=/i, f);
  });

  it('pins every image to a version', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build) continue;
      const tag = svc.image?.split(':')[1];
      assert.ok(tag && tag !== 'latest', `${name}: image ${svc.image} is not pinned`);
    }
  });
});
