// Operator tool: what models are installed (and why any are refused), and run one on an image file.
// Usage: npm run models [-- list]  |  npm run models -- run MODEL_ID INPUT OUTPUT.png [--json]
import { parseArgs } from 'node:util';
import { loadInferenceConfig } from '@revive/config';
import { runModelOnImageFile } from './image-file-inference.ts';
import { createModelRegistry } from './model-registry.ts';
import { createModelRuntime } from './model-runtime.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean' } } });
const [command = 'list', ...args] = positionals;
const config = loadInferenceConfig();
const registry = createModelRegistry(config.modelDirs);

if (command === 'list') {
  const models = await registry.list();
  console.log(`model directories: ${config.modelDirs.join(', ')}`);
  if (models.length === 0) console.log('no models installed (npm ci builds the built-in ones; npm run models:build rebuilds them)');
  for (const m of models) {
    if (m.status === 'ok') {
      console.log(`  ok       ${m.id.padEnd(22)} ${m.manifest.task} x${m.manifest.scale}  ${m.manifest.licence}  ${m.path}`);
    } else {
      console.log(`  REFUSED  ${m.id.padEnd(22)} ${m.manifestPath}`);
      for (const p of m.problems) console.log(`             - ${p}`);
    }
  }
  if (models.some((m) => m.status === 'rejected')) process.exitCode = 1;
} else if (command === 'run' && args.length === 3) {
  const [modelId, inputPath, outputPath] = args as [string, string, string];
  const runtime = createModelRuntime({ registry, threads: config.threads });
  const started = performance.now();
  let lastShown = 0;
  const result = await runModelOnImageFile(runtime, {
    modelId,
    inputPath,
    outputPath,
    maxInputPixels: config.maxInputPixels,
    tileSize: config.tileSize,
    onProgress: ({ tilesDone, tilesTotal }) => {
      if (values.json || (tilesDone !== tilesTotal && performance.now() - lastShown < 1000)) return;
      lastShown = performance.now();
      process.stderr.write(`\r${modelId}: tile ${tilesDone}/${tilesTotal}${tilesDone === tilesTotal ? '\n' : ''}`);
    },
  });
  await runtime.close();
  const seconds = (performance.now() - started) / 1000;
  // maxRSS is reported in kilobytes.
  const report = { ...result, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  console.log(
    values.json
      ? JSON.stringify(report)
      : `${outputPath}: ${result.width}x${result.height}, ${result.tiles} tiles, ${seconds.toFixed(1)} s, peak ${report.maxRssMiB.toFixed(0)} MiB`,
  );
} else {
  console.error('usage: npm run models [-- list]  |  npm run models -- run MODEL_ID INPUT OUTPUT.png [--json]');
  process.exitCode = 2;
}
