// deploy/k8s rendered by the real `kubectl kustomize` (both overlays): every object validates
// against the Kubernetes OpenAPI schemas or a vendored CRD schema; every deployed service has a
// hardened Deployment whose probes ask the port the service listens on and whose environment is
// what the config parsers accept; secrets are only ever referenced.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadPlatformConfig, repoRoot } from '@revive/config';
import { NATS_SERVICES, natsSeedVariable, natsUserVariable, renderDeploymentNatsAuthorization, type NatsService } from '@revive/messaging';
import { acceptedEnv, exportedVersusSource, SDK_CREDENTIAL_ENV } from './support/accepted-env.ts';
import { checkSchema, validateObject } from './support/k8s-schemas.ts';
import { unknownFieldProblems } from './support/k8s-types.ts';
import { mainContainer, OVERLAYS, podSpec, probePort, renderOverlays, resolveEnv } from './support/k8s-workloads.ts';
import { one, select } from './support/kustomize.ts';
import { deployedServices } from './support/workspaces.ts';

const render = renderOverlays();
const services = deployedServices();
const source = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

/** The shared file that defines the stages' probe server (wherever the telemetry work keeps it). */
function healthServerSource(): string {
  const candidates = ['shared/telemetry/src', 'shared/stage-kit/src'].flatMap((d) =>
    readdirSync(join(repoRoot, d))
      .filter((f) => !f.includes('.spec.'))
      .map((f) => `${d}/${f}`),
  );
  const file = candidates.find((f) => /export (async )?function startHealthServer\b/.test(source(f)));
  assert.ok(file, 'no startHealthServer in shared/telemetry or shared/stage-kit');
  return source(file);
}

describe('deploy/k8s manifests', { skip: 'skip' in render ? render.skip : false }, () => {
  const rendered = 'rendered' in render ? render.rendered : { local: [], aws: [] };

  it('the accepted-variable list reads the zod schemas the same way at run time and in source', () => {
    const { exported, fromSource } = exportedVersusSource();
    assert.deepEqual(fromSource, exported);
  });

  it('every rendered object validates against the Kubernetes OpenAPI schemas or a vendored CRD schema', async () => {
    for (const overlay of OVERLAYS) {
      assert.ok(rendered[overlay].length > 20, `${overlay}: rendered ${rendered[overlay].length} objects`);
      const problems = (await Promise.all(rendered[overlay].map(validateObject))).flat();
      assert.deepEqual(problems, [], `${overlay}:\n${problems.join('\n')}`);
    }
  });

  it('no object has a field the Kubernetes API does not know (its TypeScript types, excess-property check)', () => {
    for (const overlay of OVERLAYS) {
      const problems = unknownFieldProblems(rendered[overlay], (o) => o.apiVersion.startsWith('keda.sh/'));
      assert.deepEqual(problems, [], `${overlay}:\n${problems.join('\n')}`);
    }
    const typo = structuredClone(one(rendered.aws, 'Deployment', 'gateway')) as unknown as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    typo.spec.template.spec.containers[0]!.readinessProb = {};
    assert.match(unknownFieldProblems([typo as never], () => false).join('\n'), /readinessProb/);
  });

  it('the schema checks reject what they should (checked on bad objects)', async () => {
    const scaledObject = rendered.aws.find((o) => o.kind === 'ScaledObject')!;
    const broken = structuredClone(scaledObject) as unknown as { spec: Record<string, unknown> };
    broken.spec.minReplicas = 1; // HPA's spelling, not KEDA's
    broken.spec.maxReplicaCount = 'ten';
    delete broken.spec.triggers;
    const crdProblems = (await validateObject(broken as never)).join('\n');
    assert.match(crdProblems, /minReplicas: unknown field/);
    assert.match(crdProblems, /maxReplicaCount: must be integer/);
    assert.match(crdProblems, /missing required triggers/);
    const deployment = structuredClone(one(rendered.aws, 'Deployment', 'gateway')) as unknown as { spec: Record<string, unknown> };
    deployment.spec.replicas = 'two';
    assert.match((await validateObject(deployment as never)).join('\n'), /replicas must be integer/);
    assert.match((await validateObject({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'x' } })).join('\n'), /no schema/);
    assert.deepEqual(checkSchema({ a: 1 }, { type: 'object', properties: { a: { type: 'string' } } }), ['/a: must be string, is integer']);
  });

  it('every deployed service has a Deployment with requests, limits, its own image and a hardened pod', () => {
    for (const overlay of OVERLAYS) {
      for (const name of services) {
        const deployment = one(rendered[overlay], 'Deployment', name);
        const pod = podSpec(deployment);
        const c = mainContainer(deployment);
        assert.match(c.image, new RegExp(`(^|/)revive/${name}:`), `${overlay}/${name}: image`);
        for (const kind of ['requests', 'limits'] as const) {
          for (const r of ['cpu', 'memory']) assert.ok(c.resources?.[kind]?.[r], `${overlay}/${name}: resources.${kind}.${r}`);
        }
        assert.equal((pod.securityContext as Record<string, unknown>).runAsNonRoot, true, `${overlay}/${name}: runAsNonRoot`);
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${overlay}/${name}: read-only root`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
        // tsx caches compiled sources and the stages keep work directories in /tmp.
        const tmp = (c as unknown as { volumeMounts?: Array<{ name: string; mountPath: string }> }).volumeMounts?.find(
          (m) => m.mountPath === '/tmp',
        );
        const volumes = (pod.volumes ?? []) as Array<{ name: string; emptyDir?: unknown }>;
        assert.ok(tmp && volumes.find((v) => v.name === tmp.name)?.emptyDir, `${overlay}/${name}: a writable /tmp (emptyDir)`);
        const sa = pod.serviceAccountName as string;
        assert.ok(select(rendered[overlay], 'ServiceAccount', sa).length === 1, `${overlay}/${name}: ServiceAccount ${sa} is rendered`);
      }
    }
  });

  it('probes ask the port each service listens on, as its config parser reads the manifest', () => {
    // What the code does with that port: the gateway serves the probes on its GraphQL port, the
    // stages (through serveStage) on REVIVE_HEALTH_PORT.
    assert.match(source('services/gateway/src/gateway.ts'), /listen\(config\.gateway\.port/);
    assert.match(source('services/gateway/src/yoga.ts'), /'\/healthz'[\s\S]*'\/readyz'/);
    assert.match(source('shared/stage-kit/src/serve-stage.ts'), /config\.health\.port/);
    assert.match(healthServerSource(), /'\/healthz'[\s\S]*'\/readyz'/);
    for (const name of services.filter((s) => s !== 'gateway'))
      assert.match(source(`services/${name}/src/main.ts`), /serveStage\(/, `${name} runs through serveStage`);

    for (const overlay of OVERLAYS) {
      for (const name of services) {
        const deployment = one(rendered[overlay], 'Deployment', name);
        const c = mainContainer(deployment);
        const config = loadPlatformConfig(resolveEnv(rendered[overlay], c).values);
        const listens = name === 'gateway' ? config.gateway.port : config.health.port;
        assert.ok(listens, `${overlay}/${name}: no port configured for probes`);
        if (name === 'gateway') assert.equal(config.gateway.host, '0.0.0.0', 'reachable from the kubelet');
        const probes = { startupProbe: '/healthz', livenessProbe: '/healthz', readinessProbe: '/readyz' } as const;
        for (const [probe, path] of Object.entries(probes) as Array<[keyof typeof probes, string]>) {
          const p = c[probe];
          assert.ok(p?.httpGet, `${overlay}/${name}: ${probe} over HTTP`);
          assert.equal(p.httpGet.path, path, `${overlay}/${name}: ${probe} path`);
          assert.equal(probePort(c, p), listens, `${overlay}/${name}: ${probe} must ask port ${listens}`);
        }
      }
    }
  });

  it('sets only variables the config parsers accept, with values they parse; secrets by reference only', () => {
    const accepted = acceptedEnv();
    for (const overlay of OVERLAYS) {
      assert.deepEqual(select(rendered[overlay], 'Secret'), [], `${overlay}: Secrets are created out of band, never rendered`);
      for (const name of services) {
        const c = mainContainer(one(rendered[overlay], 'Deployment', name));
        const { values, sources } = resolveEnv(rendered[overlay], c);
        for (const [key, from] of sources) {
          assert.notEqual(from, 'secretRef-envFrom', `${overlay}/${name}: ${key} hides which variables it sets`);
          const sdk = SDK_CREDENTIAL_ENV.includes(key);
          assert.ok(
            accepted.has(key) || (sdk && overlay !== 'aws'),
            `${overlay}/${name}: ${key} is not read by any config parser${sdk ? ' (and IRSA replaces keys on AWS)' : ''}`,
          );
          if (/SECRET|PASSWORD|DATABASE_URL|ACCESS_KEY|SEED/.test(key))
            assert.equal(from, 'secret', `${overlay}/${name}: ${key} must come from a Secret`);
        }
        const config = loadPlatformConfig(values);
        assert.equal(config.store.kind, 's3', `${overlay}/${name}: media in S3`);
        // Every server of the StatefulSet, through its headless service: a client fails over between them.
        const sts = one(rendered[overlay], 'StatefulSet', 'nats') as unknown as { spec: { replicas: number; serviceName: string } };
        assert.deepEqual(
          config.nats.servers,
          Array.from({ length: sts.spec.replicas }, (_, i) => `nats://nats-${i}.${sts.spec.serviceName}:4222`),
          `${overlay}/${name}: lists every NATS server`,
        );
        if (name === 'gateway') assert.ok(config.gateway.urlSigningSecret, 'every gateway replica signs with the same key');
      }
    }
  });

  it('lets only the services into NATS: each signs in with its own seed, the servers know every key and include the derived permissions', () => {
    for (const overlay of OVERLAYS) {
      for (const name of services) {
        const seed = mainContainer(one(rendered[overlay], 'Deployment', name)).env?.find((e) => e.name === 'REVIVE_NATS_NKEY_SEED');
        assert.deepEqual(
          seed?.valueFrom?.secretKeyRef,
          { name: 'revive-nats', key: natsSeedVariable(name as NatsService) },
          `${overlay}/${name}`,
        );
      }
      const nats = one(rendered[overlay], 'StatefulSet', 'nats');
      const users = (mainContainer(nats).env ?? []).filter((e) => e.name.startsWith('REVIVE_NATS_USER_'));
      assert.deepEqual(
        users.map((e) => [e.name, e.valueFrom?.secretKeyRef?.name, e.valueFrom?.secretKeyRef?.key]),
        [...NATS_SERVICES, 'admin' as const].map((u) => [natsUserVariable(u), 'revive-nats', natsUserVariable(u)]),
      );
      const sources = (podSpec(nats).volumes as Array<{ name: string; projected?: { sources: Array<{ configMap?: { name: string } }> } }>)
        .find((v) => v.name === 'config')!
        .projected!.sources.map((s) => s.configMap!.name);
      const data = (prefix: string) =>
        (
          rendered[overlay].find(
            (o) => o.kind === 'ConfigMap' && sources.includes(o.metadata.name) && o.metadata.name.startsWith(prefix),
          ) as unknown as {
            data: Record<string, string>;
          }
        ).data;
      assert.match(data('nats-config')['nats.conf']!, /^include \.\/nats-auth\.conf$/m);
      assert.equal(data('nats-auth')['nats-auth.conf'], renderDeploymentNatsAuthorization());
    }
  });
});
