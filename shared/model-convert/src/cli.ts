import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { loadInferenceConfig } from '@revive/config';
import { buildModels } from './build-models.ts';

// Usage: tsx shared/model-convert/src/cli.ts build [--out DIR]
const { positionals, values } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
if (positionals[0] !== 'build') {
  console.error('usage: model-convert build [--out DIR]');
  process.exit(2);
}
const outDir = values.out ?? loadInferenceConfig().modelDirs[0] ?? join('.revive', 'models');
for (const r of await buildModels(outDir)) {
  const detail = r.action === 'built' ? ` ${(r.bytes / 1e6).toFixed(1)} MB in ${(r.ms / 1000).toFixed(1)} s` : '';
  console.log(`model ${r.id}: ${r.action}${detail}`);
}
