// How deploy/k8s scales and survives: KEDA on each stage consumer's JetStream backlog, an HPA
// for the gateway, PDBs, spread over zones, the GPU preference with CPU fallback (matching the
// Terraform node group), the NATS cluster, TLS ingress and IRSA (matching the Terraform roles).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '@revive/config';
import { Consumers, hopsOf, Stages, Streams } from '@revive/contracts';
import { mainContainer, OVERLAYS, podSpec, renderOverlays, selects } from './support/k8s-workloads.ts';
import { at, one, select, type K8sObject } from './support/kustomize.ts';
import { deployedServices } from './support/workspaces.ts';

const require = createRequire(import.meta.url);
const hcl = require('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<Record<string, any>> };
const render = renderOverlays();
const services = deployedServices();
/** The model-inference stages, which prefer GPU nodes (issue 10); the others never ask for them. */
const GPU_STAGES = ['repair', 'colorize', 'superres', 'interpolate'];
/** Parameters of KEDA's nats-jetstream scaler (keda.sh/docs/scalers/nats-jetstream). */
const NATS_JETSTREAM_KEYS = new Set([
  'natsServerMonitoringEndpoint',
  'account',
  'stream',
  'consumer',
  'lagThreshold',
  'activationLagThreshold',
  'useHttps',
]);

const terraform = async (file: string): Promise<Record<string, any>> =>
  hcl.parse(file, readFileSync(join(repoRoot, 'terraform', file), 'utf8'));
const labelsOf = (o: K8sObject): Record<string, string> => at<Record<string, string>>(o, 'spec.template.metadata.labels') ?? {};

describe('deploy/k8s scaling and resilience', { skip: 'skip' in render ? render.skip : false }, () => {
  const rendered = 'rendered' in render ? render.rendered : { local: [], aws: [] };

  it('every stage consumer has a KEDA ScaledObject on its JetStream backlog, scaling that stage', () => {
    const stageConsumers = Object.values(Stages).flatMap((s) => hopsOf(s).map((h) => ({ stage: s, consumer: h.consumer })));
    // A consumer no stage owns must be the gateway's (it scales on CPU, below).
    for (const c of Object.values(Consumers))
      assert.ok(stageConsumers.some((s) => s.consumer === c) || c.startsWith('gateway-'), `consumer ${c} belongs to no stage`);
    for (const overlay of OVERLAYS) {
      const namespace = one(rendered[overlay], 'Service', 'nats').metadata.namespace;
      for (const { stage, consumer } of stageConsumers) {
        const scaled = select(rendered[overlay], 'ScaledObject').filter((so) =>
          (at<Array<{ metadata: Record<string, string> }>>(so, 'spec.triggers') ?? []).some((t) => t.metadata.consumer === consumer),
        );
        assert.equal(scaled.length, 1, `${overlay}: consumer ${consumer} needs exactly one ScaledObject`);
        const so = scaled[0]!;
        assert.equal(at(so, 'spec.scaleTargetRef.name'), stage, `${overlay}: ${consumer} scales ${stage}`);
        one(rendered[overlay], 'Deployment', stage);
        const trigger = at<Array<{ type: string; metadata: Record<string, string> }>>(so, 'spec.triggers')!.find(
          (t) => t.metadata.consumer === consumer,
        )!;
        assert.equal(trigger.type, 'nats-jetstream');
        for (const key of Object.keys(trigger.metadata))
          assert.ok(NATS_JETSTREAM_KEYS.has(key), `${overlay}/${consumer}: ${key} is no nats-jetstream parameter`);
        assert.equal(trigger.metadata.stream, Streams.media);
        assert.equal(
          trigger.metadata.natsServerMonitoringEndpoint,
          `nats.${namespace}.svc.cluster.local:8222`,
          'KEDA runs in its own namespace: the full name of the NATS service',
        );
        assert.ok(Number(trigger.metadata.lagThreshold) >= 1);
        const [min, max] = [at<number>(so, 'spec.minReplicaCount')!, at<number>(so, 'spec.maxReplicaCount')!];
        assert.ok(min >= 0 && max > min, `${overlay}/${stage}: ${min}..${max}`);
      }
      const monitor = at<Array<{ name: string; port: number }>>(one(rendered[overlay], 'Service', 'nats'), 'spec.ports')!;
      assert.ok(
        monitor.some((p) => p.port === 8222),
        'the NATS service exposes monitoring for KEDA',
      );
      assert.equal(select(rendered[overlay], 'ScaledObject', 'gateway').length, 0, 'the gateway scales on CPU, not on a backlog');
    }
  });

  it('the gateway scales on CPU with an HPA, the stages with KEDA (no fixed replicas); every workload has a PodDisruptionBudget that selects it', () => {
    for (const overlay of OVERLAYS) {
      const hpa = one(rendered[overlay], 'HorizontalPodAutoscaler', 'gateway');
      assert.equal(at(hpa, 'spec.scaleTargetRef.name'), 'gateway');
      assert.equal(at(hpa, 'spec.metrics.0.resource.name'), 'cpu');
      if (overlay === 'aws') assert.ok(at<number>(hpa, 'spec.minReplicas')! >= 2, 'two gateways, one per zone');
      // An autoscaler owns these counts: a replicas field would reset them on every apply.
      for (const s of services)
        assert.equal(at(one(rendered[overlay], 'Deployment', s), 'spec.replicas'), undefined, `${overlay}/${s}: no replicas field`);
      const workloads = [...services.map((s) => one(rendered[overlay], 'Deployment', s)), one(rendered[overlay], 'StatefulSet', 'nats')];
      const pdbs = select(rendered[overlay], 'PodDisruptionBudget');
      for (const w of workloads) {
        const pdb = pdbs.filter((p) => selects(at(p, 'spec.selector.matchLabels'), labelsOf(w)));
        assert.equal(pdb.length, 1, `${overlay}: ${w.metadata.name} has one PDB`);
        assert.equal(at(pdb[0], 'spec.maxUnavailable'), 1, `${overlay}: ${w.metadata.name}: one at a time, never blocking a drain`);
      }
    }
  });

  it('workloads spread over zones; on AWS the gateway and NATS must spread', () => {
    for (const overlay of OVERLAYS) {
      for (const w of [...services.map((s) => one(rendered[overlay], 'Deployment', s)), one(rendered[overlay], 'StatefulSet', 'nats')]) {
        const zone = (podSpec(w).topologySpreadConstraints as Array<Record<string, unknown>> | undefined)?.find(
          (t) => t.topologyKey === 'topology.kubernetes.io/zone',
        );
        assert.ok(zone, `${overlay}/${w.metadata.name}: zone spread`);
        assert.ok(
          selects(at(zone, 'labelSelector.matchLabels'), labelsOf(w)),
          `${overlay}/${w.metadata.name}: the spread counts its own pods`,
        );
        const must = overlay === 'aws' && ['gateway', 'nats'].includes(w.metadata.name);
        assert.equal(zone.whenUnsatisfiable, must ? 'DoNotSchedule' : 'ScheduleAnyway', `${overlay}/${w.metadata.name}`);
      }
    }
  });

  it('the heavy stages prefer the GPU node group and tolerate its taint, falling back to CPU nodes; labels match Terraform', async () => {
    const eks = await terraform('modules/eks/main.tf');
    const gpu = eks.resource.aws_eks_node_group.gpu[0];
    const [labelKey, labelValue] = Object.entries(gpu.labels as Record<string, string>)[0]!;
    const taint = gpu.taint[0] as { key: string; effect: string };
    assert.equal(taint.effect, 'NO_SCHEDULE');
    for (const overlay of OVERLAYS) {
      for (const name of services) {
        const pod = podSpec(one(rendered[overlay], 'Deployment', name));
        const tolerates = ((pod.tolerations ?? []) as Array<{ key: string; effect: string }>).some(
          (t) => t.key === taint.key && t.effect === 'NoSchedule',
        );
        const preferred = (
          at<Array<{ preference: { matchExpressions: Array<{ key: string; values: string[] }> } }>>(
            pod,
            'affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution',
          ) ?? []
        ).some((p) => p.preference.matchExpressions.some((e) => e.key === labelKey && e.values.includes(labelValue)));
        const gpuStage = GPU_STAGES.includes(name);
        assert.equal(tolerates, gpuStage, `${overlay}/${name}: ${gpuStage ? 'tolerates' : 'must not tolerate'} the GPU taint`);
        assert.equal(preferred, gpuStage, `${overlay}/${name}: ${gpuStage ? 'prefers' : 'does not ask for'} ${labelKey}=${labelValue}`);
        // A requirement would leave the stage pending whenever the GPU group is full or absent.
        assert.equal(
          at(pod, 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution'),
          undefined,
          `${overlay}/${name}: CPU fallback`,
        );
        assert.equal(pod.nodeSelector, undefined, `${overlay}/${name}: CPU fallback`);
      }
    }
  });

  it('NATS runs JetStream as a cluster of three on persistent volumes, fsyncing every write', () => {
    for (const overlay of OVERLAYS) {
      const sts = one(rendered[overlay], 'StatefulSet', 'nats');
      const replicas = at<number>(sts, 'spec.replicas')!;
      assert.equal(replicas, 3);
      const conf = (one(rendered[overlay], 'ConfigMap', 'nats-config').data as Record<string, string>)['nats.conf']!;
      const storeDir = /store_dir:\s*(\S+)/.exec(conf)?.[1];
      assert.match(conf, /sync_interval:\s*always/);
      const headless = at<string>(sts, 'spec.serviceName')!;
      assert.equal(at(one(rendered[overlay], 'Service', headless), 'spec.clusterIP'), 'None');
      const routes = [...conf.matchAll(/nats:\/\/([\w-]+)\.([\w-]+):6222/g)];
      assert.deepEqual(
        routes.map((r) => r[1]).sort(),
        Array.from({ length: replicas }, (_, i) => `nats-${i}`),
        'a route to every server',
      );
      assert.ok(
        routes.every((r) => r[2] === headless),
        'routes through the headless service',
      );
      const claim = at<Array<{ metadata: { name: string } }>>(sts, 'spec.volumeClaimTemplates')![0]!;
      const mount = (mainContainer(sts) as unknown as { volumeMounts: Array<{ name: string; mountPath: string }> }).volumeMounts.find(
        (m) => m.name === claim.metadata.name,
      );
      assert.equal(mount?.mountPath, storeDir, 'the JetStream store is on the claimed volume');
      if (overlay === 'aws') {
        const sc = at<string>(sts, 'spec.volumeClaimTemplates.0.spec.storageClassName')!;
        assert.equal(at(one(rendered.aws, 'StorageClass', sc), 'parameters.encrypted'), 'true');
      }
    }
  });

  it('the Ingress serves the gateway over TLS (cert-manager, mkcert or ACM on an ALB)', () => {
    for (const overlay of OVERLAYS) {
      const ingress = one(rendered[overlay], 'Ingress', 'gateway');
      const host = at<string>(ingress, 'spec.rules.0.host')!;
      assert.ok(at<string[]>(ingress, 'spec.tls.0.hosts')!.includes(host), `${overlay}: TLS for ${host}`);
      assert.equal(at(ingress, 'spec.rules.0.http.paths.0.backend.service.name'), 'gateway');
      const gatewayEnv = mainContainer(one(rendered[overlay], 'Deployment', 'gateway')).env ?? [];
      assert.equal(
        gatewayEnv.find((e) => e.name === 'REVIVE_PUBLIC_URL')?.value,
        `https://${host}`,
        `${overlay}: the public URL is the Ingress host over HTTPS`,
      );
      const annotations = ingress.metadata.annotations ?? {};
      if (overlay === 'aws') {
        assert.equal(at(ingress, 'spec.ingressClassName'), 'alb');
        assert.match(annotations['alb.ingress.kubernetes.io/certificate-arn'] ?? '', /^arn:aws:acm:/);
        assert.match(annotations['alb.ingress.kubernetes.io/listen-ports'] ?? '', /HTTPS/);
      } else {
        assert.ok(at(ingress, 'spec.tls.0.secretName'), `${overlay}: a TLS secret`);
      }
    }
  });

  it('on AWS each ServiceAccount carries the IAM role that Terraform makes it trust', async () => {
    const iam = await terraform('modules/iam/main.tf');
    const trusted = Object.values(iam.locals[0].service_accounts as Record<string, string>);
    const rootVars = (await terraform('variables.tf')).variable;
    const namespace = rootVars.kubernetes_namespace[0].default as string;
    for (const name of services) {
      const deployment = one(rendered.aws, 'Deployment', name);
      assert.equal(deployment.metadata.namespace, namespace, `${name}: in the namespace Terraform trusts`);
      const sa = one(rendered.aws, 'ServiceAccount', podSpec(deployment).serviceAccountName as string);
      const arn = sa.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '';
      assert.match(arn, /^arn:aws:iam::\d{12}:role\//, `${name}: ServiceAccount ${sa.metadata.name} has an IRSA role`);
      assert.ok(trusted.includes(`\${var.namespace}/${sa.metadata.name}`), `terraform/modules/iam trusts ${sa.metadata.name}`);
    }
    const params = readFileSync(join(repoRoot, 'deploy/k8s/overlays/aws/params.yaml'), 'utf8');
    const output = (await terraform('outputs.tf')).output.kustomize_params[0].value as string;
    const keys = (text: string): string[] => [...text.matchAll(/^ {2}(\w+): /gm)].map((m) => m[1]!).sort();
    assert.deepEqual(keys(output), keys(params), 'terraform output kustomize_params writes every key params.yaml has');
  });
});
