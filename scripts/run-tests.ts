import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@revive/config';

// Node 20's test runner does not expand globs, so collect the spec and e2e files here.
// Usage: npm test [-- FILTER...]  (substrings of paths to run a subset)
const skipDirs = new Set(['node_modules', '.git', '.revive', 'deploy', 'terraform', 'observability']);

function collect(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skipDirs.has(entry.name)) collect(join(dir, entry.name), out);
    } else if (/\.(spec|test)\.ts$/.test(entry.name)) {
      out.push(relative(repoRoot, join(dir, entry.name)));
    }
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect(repoRoot, [])
  .filter((f) => filters.length === 0 || filters.some((needle) => f.includes(needle)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// One file at a time: the model tests are CPU-bound and this machine class has two cores.
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  cwd: repoRoot,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
