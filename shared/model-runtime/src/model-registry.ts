import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseModelManifest, type ModelManifest, type ModelTask } from '@revive/contracts';
import { ModelNotFoundError, ModelRejectedError } from './errors.ts';

/** One model found in a models directory: usable, or refused with the reasons. */
export type InstalledModel =
  | { readonly status: 'ok'; readonly id: string; readonly manifest: ModelManifest; readonly path: string; readonly manifestPath: string }
  | { readonly status: 'rejected'; readonly id: string; readonly manifestPath: string; readonly problems: readonly string[] };

export interface ModelRegistry {
  /** Every manifest found, in directory order; later directories cannot shadow an id already seen. */
  list(): Promise<readonly InstalledModel[]>;
  /** The usable model with this id, or a ModelNotFoundError / ModelRejectedError saying why not. */
  get(id: string): Promise<Extract<InstalledModel, { status: 'ok' }>>;
  /** Usable models of a task, optionally at a given scale. */
  find(task: ModelTask, scale?: number): Promise<Extract<InstalledModel, { status: 'ok' }>[]>;
}

const MANIFEST_SUFFIX = '.manifest.json';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Scans model directories for `<name>.manifest.json` files next to their ONNX files.
 * Hashes are cached by (path, size, mtime), so listing is cheap after the first scan,
 * yet a file replaced in place is re-checked.
 */
export function createModelRegistry(dirs: readonly string[]): ModelRegistry {
  const hashCache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

  async function inspect(dir: string, manifestFile: string): Promise<InstalledModel> {
    const manifestPath = join(dir, manifestFile);
    const fallbackId = basename(manifestFile, MANIFEST_SUFFIX);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(manifestPath, 'utf8'));
    } catch (e) {
      return { status: 'rejected', id: fallbackId, manifestPath, problems: [`manifest is not valid JSON: ${(e as Error).message}`] };
    }
    const parsed = parseModelManifest(raw);
    if (!parsed.ok) return { status: 'rejected', id: fallbackId, manifestPath, problems: parsed.problems };
    const manifest = parsed.manifest;
    const path = join(dir, manifest.file);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      return { status: 'rejected', id: manifest.id, manifestPath, problems: [`model file ${path} is missing`] };
    }
    let cached = hashCache.get(path);
    if (!cached || cached.size !== info.size || cached.mtimeMs !== info.mtimeMs) {
      cached = { size: info.size, mtimeMs: info.mtimeMs, sha256: await sha256File(path) };
      hashCache.set(path, cached);
    }
    if (cached.sha256 !== manifest.sha256) {
      return {
        status: 'rejected',
        id: manifest.id,
        manifestPath,
        problems: [
          `sha256 of ${manifest.file} is ${cached.sha256}, the manifest says ${manifest.sha256}: the file is corrupt or not the one the manifest describes`,
        ],
      };
    }
    return { status: 'ok', id: manifest.id, manifest, path, manifestPath };
  }

  async function list(): Promise<InstalledModel[]> {
    const seen = new Set<string>();
    const out: InstalledModel[] = [];
    for (const dir of dirs) {
      const files = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return [] as string[];
        throw e;
      });
      for (const file of files.filter((f) => f.endsWith(MANIFEST_SUFFIX)).sort()) {
        const model = await inspect(dir, file);
        if (seen.has(model.id)) {
          out.push({
            status: 'rejected',
            id: model.id,
            manifestPath: model.manifestPath,
            problems: [`id ${model.id} is already installed from an earlier directory`],
          });
          continue;
        }
        seen.add(model.id);
        out.push(model);
      }
    }
    return out;
  }

  return {
    list,
    async get(id) {
      const all = await list();
      const found = all.find((m) => m.id === id && m.status === 'ok') ?? all.find((m) => m.id === id);
      if (!found) {
        const known = all.filter((m) => m.status === 'ok').map((m) => m.id);
        throw new ModelNotFoundError(`no model "${id}" is installed in ${dirs.join(', ')} (installed: ${known.join(', ') || 'none'})`);
      }
      if (found.status === 'rejected') throw new ModelRejectedError(id, found.problems);
      return found;
    },
    async find(task, scale) {
      return (await list()).filter(
        (m): m is Extract<InstalledModel, { status: 'ok' }> =>
          m.status === 'ok' && m.manifest.task === task && (scale === undefined || m.manifest.scale === scale),
      );
    },
  };
}
