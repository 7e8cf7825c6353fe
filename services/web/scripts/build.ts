// Builds the page into dist/ with Vite, unless dist/ was already built from these exact sources:
// `npm install`, `npm start` and `npm test` all call it, and only the first after a change pays.
// `--force` builds regardless. Offline: Vite and the page's dependencies come from node_modules.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stampFile = join(dist, '.build-stamp');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && !/\.(spec|test)\.ts$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

/** A digest of everything the bundle is made from: sources, config, and the versions of what it bundles. */
async function sourceDigest(): Promise<string> {
  const require = createRequire(join(root, 'package.json'));
  const versions = ['vite', 'graphql-ws'].map((name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`);
  const files = [
    ...(await filesUnder(join(root, 'src'))),
    join(root, 'index.html'),
    join(root, 'vite.config.ts'),
    join(root, 'package.json'),
  ].sort();
  const hash = createHash('sha256').update(versions.join('\n'));
  for (const file of files) hash.update(`\0${relative(root, file)}\0`).update(await readFile(file));
  return hash.digest('hex');
}

const force = process.argv.includes('--force');
const digest = await sourceDigest();
const built = existsSync(join(dist, 'index.html')) ? await readFile(stampFile, 'utf8').catch(() => '') : '';
if (!force && built.trim() === digest) {
  console.log('web: dist/ is up to date');
} else {
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  await writeFile(stampFile, `${digest}\n`);
  console.log(`web: built ${dist}`);
}
