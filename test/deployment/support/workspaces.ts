import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@revive/config';

/** One npm workspace of the repository. */
export interface Workspace {
  readonly name: string;
  /** Relative to the repository root, e.g. `shared/config`. */
  readonly dir: string;
  /** Workspace packages among its production dependencies (what `npm ci --omit=dev -w` keeps). */
  readonly workspaceDeps: readonly string[];
  readonly hasBin: boolean;
}

interface PackageJson {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  bin?: unknown;
}

const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as PackageJson;

/** Every workspace the root package.json declares (`dir/*` globs expanded as npm does). */
export function listWorkspaces(): Map<string, Workspace> {
  const dirs = (readPackage('.').workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(repoRoot, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(repoRoot, parent, e.name, 'package.json')))
      .map((e) => `${parent}/${e.name}`);
  });
  const names = new Set(dirs.map((d) => readPackage(d).name));
  return new Map(
    dirs.map((dir) => {
      const pkg = readPackage(dir);
      const workspaceDeps = Object.keys(pkg.dependencies ?? {}).filter((d) => names.has(d));
      return [pkg.name, { name: pkg.name, dir, workspaceDeps, hasBin: pkg.bin !== undefined }];
    }),
  );
}

/** The service and every workspace it needs at run time, transitively; directories, sorted. */
export function runtimeClosure(serviceDir: string, all = listWorkspaces()): string[] {
  const byDir = new Map([...all.values()].map((w) => [w.dir, w]));
  const start = byDir.get(serviceDir);
  if (!start) throw new Error(`${serviceDir} is not a workspace`);
  const seen = new Set<string>();
  const stack = [start.name];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    stack.push(...all.get(name)!.workspaceDeps);
  }
  return [...seen].map((n) => all.get(n)!.dir).sort();
}

/**
 * The services that run as processes in a deployment: every services/* workspace that parses
 * the platform environment (depends on @revive/config), except clients (a package with a `bin`,
 * i.e. the CLI). A front-end package (services/web) is neither. Names as in `services/<name>`.
 */
export function deployedServices(all = listWorkspaces()): string[] {
  return [...all.values()]
    .filter((w) => w.dir.startsWith('services/') && !w.hasBin && w.workspaceDeps.includes('@revive/config'))
    .map((w) => w.dir.slice('services/'.length))
    .sort();
}
