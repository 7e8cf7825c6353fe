import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** The repository root: the defaults keep every piece of local state under it. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where a local install keeps its state (databases, object store, built models); git ignores it. */
export const defaultStateDir = resolve(repoRoot, '.revive');
