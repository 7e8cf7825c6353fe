import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertFolder, assertObjectKey, ObjectNotFoundError, type ObjectInfo, type ObjectStore } from './object-store.ts';

const META_SUFFIX = '.meta.json';
/** A write in progress (see put): `<key>.<uuid>.partial`, renamed to its key when complete. */
const PARTIAL = /\.[0-9a-f-]{36}\.partial$/;

/**
 * Objects as files under a root directory (the default of `npm start`). Writes go to a
 * temporary name and are renamed into place, so a crash never leaves a partial object
 * under its key; the content type sits in a small sidecar file.
 */
export function createFilesystemStore(root: string): ObjectStore {
  const pathOf = (key: string) => {
    assertObjectKey(key);
    if (key.endsWith(META_SUFFIX)) throw new ObjectNotFoundError(`"${key}" is reserved`);
    return join(root, key);
  };

  async function head(key: string): Promise<ObjectInfo | undefined> {
    const path = pathOf(key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const meta = await readFile(`${path}${META_SUFFIX}`, 'utf8').then(
      (t) => JSON.parse(t) as { contentType?: string },
      () => ({ contentType: undefined }),
    );
    return { key, bytes: info.size, contentType: meta.contentType };
  }

  return {
    async put(key, body, options = {}) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${randomUUID()}.partial`;
      try {
        await pipeline(body instanceof Uint8Array ? Readable.from([body]) : body, createWriteStream(tmp));
        await writeFile(`${path}${META_SUFFIX}`, JSON.stringify({ contentType: options.contentType }));
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      return (await head(key))!;
    },
    async get(key) {
      const path = pathOf(key);
      if (!(await stat(path).catch(() => undefined))?.isFile()) throw new ObjectNotFoundError(`no object "${key}"`);
      return createReadStream(path);
    },
    head,
    async delete(key) {
      const path = pathOf(key);
      await rm(path, { force: true });
      await rm(`${path}${META_SUFFIX}`, { force: true });
    },
    async signedUrl(key) {
      pathOf(key);
      return undefined;
    },
    async *list(prefix) {
      assertFolder(prefix);
      const entries = await readdir(join(root, prefix), { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      for (const entry of entries) {
        if (!entry.isFile() || entry.name.endsWith(META_SUFFIX) || PARTIAL.test(entry.name)) continue;
        yield relative(root, join(entry.parentPath, entry.name)).split(sep).join('/');
      }
    },
  };
}
