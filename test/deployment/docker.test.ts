// deploy/docker/Dockerfile: house lint rules, one non-root target per service that copies exactly
// the workspaces that service needs, and only settings the config parsers accept.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '@revive/config';
import { STAGE_NAMES } from '@revive/contracts';
import { upscalerjsCatalogue } from '@revive/model-convert';
import { acceptedEnv } from './support/accepted-env.ts';
import { contextCopies, effectiveEnv, effectiveUser, lintDockerfile, parseDockerfile, type Stage } from './support/dockerfile.ts';
import { deployedServices, listWorkspaces, runtimeClosure } from './support/workspaces.ts';

const dockerDir = join(repoRoot, 'deploy/docker');
const df = parseDockerfile(readFileSync(join(dockerDir, 'Dockerfile'), 'utf8'));
const services = deployedServices();
const stage = (name: string): Stage => {
  const s = df.stages.find((x) => x.name === name);
  assert.ok(s, `the Dockerfile has no stage ${name}`);
  return s;
};

/** Services whose sources name a model that is converted at build time (into .revive/models). */
function needsConvertedModels(service: string): boolean {
  const ids = upscalerjsCatalogue().map((m) => m.id);
  const src = join(repoRoot, 'services', service, 'src');
  return readdirSync(src)
    .filter((f) => f.endsWith('.ts') && !/\.(spec|test)\.ts$/.test(f))
    .some((f) => ids.some((id) => readFileSync(join(src, f), 'utf8').includes(id)));
}

describe('deploy/docker/Dockerfile', () => {
  it('passes the house lint: pinned bases, non-root targets, no curl | sh, no ADD of URLs, apt lists cleaned, install scripts off', () => {
    assert.deepEqual(lintDockerfile(df, services), []);
  });

  it('runs on the Node release .node-version names, the one CI tests', () => {
    const release = readFileSync(join(repoRoot, '.node-version'), 'utf8').trim();
    const nodeBases = df.stages.map((s) => s.base).filter((from) => from.startsWith('node:'));
    assert.ok(nodeBases.length > 0, 'no stage is built FROM a node image');
    for (const from of nodeBases)
      assert.match(from, new RegExp(`^node:${release.replace(/\./g, '\\.')}-`), `${from} is not Node ${release}`);
  });

  it('the lint rejects what it should (checked on bad examples)', () => {
    const bad = parseDockerfile(
      [
        'FROM node:latest AS a',
        'RUN curl -fsSL https://example.com/install.sh | sh',
        'ADD https://example.com/tool.tgz /opt/',
        'RUN apt-get update && apt-get install -y ffmpeg',
        'RUN npm ci',
        'FROM debian AS b',
        'USER root',
      ].join('\n'),
    );
    const problems = lintDockerfile(bad, ['a', 'b']).join('\n');
    for (const expected of [
      'node:latest is not pinned',
      'debian is not pinned',
      'pipes a download into a shell',
      'ADD of a URL',
      'without --no-install-recommends',
      'apt lists not removed',
      '--ignore-scripts',
      'ONNXRUNTIME_NODE_INSTALL=skip',
      'stage a: runs as root',
      'stage b: runs as root',
    ]) {
      assert.match(problems, new RegExp(expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `expected a problem about ${expected}`);
    }
  });

  it('every deployed service has a target of its own, run as a non-root user from its instrumentation and main', () => {
    assert.ok(services.length >= 6, `deployed services found: ${services.join(', ')}`);
    for (const service of services) {
      const s = stage(service);
      assert.notEqual(effectiveUser(df, s), 'root');
      const cmd = s.instructions.filter((i) => i.keyword === 'CMD').at(-1);
      assert.ok(cmd, `${service}: no CMD`);
      const argv = JSON.parse(cmd.args) as string[];
      assert.deepEqual(argv.slice(0, 3), ['node', '--import', 'tsx'], `${service}: runs its TypeScript through tsx`);
      const files = argv.filter((a) => a.endsWith('.ts'));
      assert.deepEqual(
        files,
        [`./services/${service}/src/instrumentation.ts`, `./services/${service}/src/main.ts`],
        `${service}: telemetry first, then main`,
      );
      for (const f of files) assert.ok(existsSync(join(repoRoot, f)), `${service}: ${f} does not exist`);
    }
  });

  it('deploys exactly the gateway and the stages of the catalogue, each from services/<stage>', () => {
    // Compose, Kubernetes and Terraform are checked against these same services by their own tests.
    assert.deepEqual(
      services,
      ['gateway', ...STAGE_NAMES].sort(),
      'a stage in contracts/src/flow.ts needs its service folder and deploy entries, and a deployed service needs its stage',
    );
  });

  it('each target copies exactly the workspaces its service needs at run time, and its own dependencies', () => {
    const all = listWorkspaces();
    for (const service of services) {
      const expected = runtimeClosure(`services/${service}`, all);
      const copied = contextCopies(stage(service)).sort();
      assert.deepEqual(copied, expected, `${service}: COPY lines should be\n${expected.map((d) => `COPY ${d}/ ${d}/`).join('\n')}`);
      const deps = stage(`deps-${service}`);
      assert.ok(
        deps.instructions.some(
          (i) => i.keyword === 'RUN' && i.args.includes(`npm ci --omit=dev`) && i.args.includes(`--workspace services/${service}`),
        ),
        `deps-${service}: npm ci --omit=dev --workspace services/${service}`,
      );
      const fromStages = stage(service)
        .instructions.filter((i) => i.keyword === 'COPY')
        .map((i) => /--from=(\S+)/.exec(i.args)?.[1])
        .filter(Boolean);
      assert.ok(fromStages.includes(`deps-${service}`), `${service}: copies node_modules from deps-${service}`);
      const modelCopy = stage(service).instructions.some(
        (i) => i.keyword === 'COPY' && i.args.includes('--from=models') && i.args.includes('.revive/models'),
      );
      assert.equal(modelCopy, needsConvertedModels(service), `${service}: ${modelCopy ? 'copies' : 'lacks'} the converted models`);
    }
  });

  it('the dependency stages see every workspace manifest, and node_modules is all hoisted at the root', () => {
    const expected = ['package-lock.json', 'package.json', ...[...listWorkspaces().values()].map((w) => `${w.dir}/package.json`)].sort();
    assert.deepEqual(contextCopies(stage('manifests')).sort(), expected, 'npm ci needs every workspace package.json that the lock names');
    // Targets copy /app/node_modules only: a workspace-local node_modules would be left behind.
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const nested = Object.keys(lock.packages).filter((k) => /^(?!node_modules\/).+\/node_modules\//.test(k));
    assert.deepEqual(nested, []);
  });

  it('models are converted at build time from the npm packages, with the toolchain of the lock', () => {
    const models = stage('models');
    const runs = models.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    assert.ok(
      runs.some((r) => /npm ci\b/.test(r) && !r.includes('--omit=dev')),
      'full install (the converter needs the devDependencies)',
    );
    assert.ok(runs.some((r) => r.includes('npm run models:build')));
    assert.equal(effectiveEnv(df, models).get('ONNXRUNTIME_NODE_INSTALL'), 'skip');
  });

  it('sets only environment variables the config parsers accept', () => {
    const accepted = acceptedEnv();
    for (const service of services) {
      for (const name of effectiveEnv(df, stage(service)).keys()) {
        if (name === 'NODE_ENV' || name === 'ONNXRUNTIME_NODE_INSTALL') continue; // Node's and the installer's, not Revive's
        assert.ok(accepted.has(name), `${service}: ENV ${name} is not read by any config parser`);
      }
    }
  });

  it('the build context leaves out state, installs, tests and deployment files', () => {
    const ignore = readFileSync(join(dockerDir, 'Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const pattern of ['**/node_modules', '.git', '.revive', '**/*.spec.ts', '**/*.test.ts', 'test', 'terraform', 'deploy']) {
      assert.ok(ignore.includes(pattern), `Dockerfile.dockerignore lacks ${pattern}`);
    }
  });
});
