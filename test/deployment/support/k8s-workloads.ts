import { sampleSecretValue } from './accepted-env.ts';
import { at, kubectlBinary, one, renderKustomization, type K8sObject } from './kustomize.ts';

/** The overlays a deployment uses; each is rendered once per test file. */
export const OVERLAYS = ['local', 'aws'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** The rendered overlays, or why they cannot be rendered on this machine (the suite skips then). */
export function renderOverlays(): { rendered: Record<Overlay, K8sObject[]> } | { skip: string } {
  const kubectl = kubectlBinary();
  if ('skip' in kubectl) return kubectl;
  const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, renderKustomization(kubectl.path, `deploy/k8s/overlays/${o}`)]));
  return { rendered: rendered as Record<Overlay, K8sObject[]> };
}

export interface Container {
  name: string;
  image: string;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string }; fieldRef?: unknown };
  }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: unknown;
  tcpSocket?: unknown;
}

/** The pod template's spec of a Deployment or StatefulSet. */
export const podSpec = (workload: K8sObject): Record<string, unknown> => at<Record<string, unknown>>(workload, 'spec.template.spec') ?? {};

/** The container named like its workload (Revive runs one container per pod). */
export function mainContainer(workload: K8sObject): Container {
  const containers = (podSpec(workload).containers ?? []) as Container[];
  const c = containers.find((x) => x.name === workload.metadata.name) ?? containers[0];
  if (!c) throw new Error(`${workload.metadata.name}: no container`);
  return c;
}

/** A probe's port as a number (named ports resolved through the container's ports). */
export function probePort(container: Container, probe: Probe): number | undefined {
  const port = probe.httpGet?.port;
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Where each variable of a container comes from. */
export type EnvSource = 'literal' | 'configMap' | 'secret' | 'field' | 'secretRef-envFrom';

/**
 * The environment a container starts with, resolved from the rendered objects: literals,
 * ConfigMap keys (envFrom and configMapKeyRef), and secret references (replaced by sample values
 * of the right shape, since Secrets are created out of band).
 */
export function resolveEnv(
  objects: readonly K8sObject[],
  container: Container,
): { values: Record<string, string>; sources: Map<string, EnvSource> } {
  const values: Record<string, string> = {};
  const sources = new Map<string, EnvSource>();
  const configMap = (name: string): Record<string, string> => (one(objects, 'ConfigMap', name).data ?? {}) as Record<string, string>;
  for (const from of container.envFrom ?? []) {
    if (from.secretRef) sources.set(`envFrom secretRef ${from.secretRef.name}`, 'secretRef-envFrom');
    if (from.configMapRef) {
      for (const [k, v] of Object.entries(configMap(from.configMapRef.name))) {
        values[k] = v;
        sources.set(k, 'configMap');
      }
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      values[e.name] = e.value;
      sources.set(e.name, 'literal');
    } else if (e.valueFrom?.secretKeyRef) {
      values[e.name] = sampleSecretValue(e.name);
      sources.set(e.name, 'secret');
    } else if (e.valueFrom?.configMapKeyRef) {
      values[e.name] = configMap(e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key] ?? '';
      sources.set(e.name, 'configMap');
    } else {
      values[e.name] = 'sample';
      sources.set(e.name, 'field');
    }
  }
  return { values, sources };
}

/** True when every label of `selector` is on `labels`. */
export const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  !!selector && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
