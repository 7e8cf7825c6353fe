// The linter `npm test` runs (`npm run lint`). Beyond the recommended rules it holds the house
// rules on packages: another workspace is used only through its public surface (the paths its
// `exports` map names), never by a relative path into it, and no module imports itself back
// through a cycle.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** `@revive/<name>/<subpath>` for every subpath some workspace's exports map declares. */
function declaredSubpaths() {
  const lock = JSON.parse(readFileSync(new URL('./package-lock.json', import.meta.url), 'utf8'));
  const allowed = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('node_modules/') || path === '' || !entry.name?.startsWith('@revive/')) continue;
    const manifest = JSON.parse(readFileSync(new URL(`./${path}/package.json`, import.meta.url), 'utf8'));
    for (const key of Object.keys(manifest.exports ?? {})) if (key !== '.') allowed.push(`${manifest.name}/${key.slice(2)}`);
  }
  return allowed;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const publicSubpaths = declaredSubpaths().map(escape).join('|');

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '.revive/',
      'eval-out/',
      'bench-out/',
      'test-artifacts/',
      '.device-pack/',
      '**/generated/',
      'tmp-repro/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,js,mjs}'],
    plugins: { 'import-x': importX },
    settings: {
      // The TypeScript parser for the modules no-cycle follows; without it their imports are not read.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': undefined,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      'import-x/no-relative-packages': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!(?:${publicSubpaths})$)@revive/[^/]+/.+`,
              message: 'import a workspace package through its exports map (`@revive/<name>` or a subpath it declares), not its files',
            },
          ],
        },
      ],
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Plain JavaScript here runs on Node (the CLI's launcher, this file).
    files: ['**/*.{js,mjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', AbortController: 'readonly', URL: 'readonly' },
    },
  },
  {
    // Tests walk parsed documents (HCL, YAML, GraphQL responses) whose shape the assertions
    // themselves check; typing each probe would only restate the assertion.
    files: ['**/*.spec.ts', '**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
