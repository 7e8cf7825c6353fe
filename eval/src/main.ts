import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { createModelRegistry, createModelRuntime } from '@revive/model-runtime';
import { markdownTable } from './report.ts';
import { evaluateSuperResolution } from './sr/sr-eval.ts';

const USAGE = `usage: npm run eval -- <task> [--data DIR] [--out DIR] [--scale 2,4] [--models id,id]

tasks:
  sr         super-resolution on a folder of HR images (default ../shared/data/sr/Set5)
  colorize   colorization (arrives with issue #3)
  vfi        frame interpolation (arrives with issue #4)`;

/** Where each task finds its data when --data is not given: the shared folder beside the repo. */
const DEFAULT_DATA: Record<string, string> = {
  sr: resolve(repoRoot, '../shared/data/sr/Set5'),
  colorize: resolve(repoRoot, '../shared/data/photos'),
  vfi: resolve(repoRoot, '../shared/data/vfi'),
};

class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      scale: { type: 'string', default: '2,4' },
      models: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const task = positionals[0];
  if (values.help || !task) {
    console.log(USAGE);
    if (!task) process.exitCode = 2;
    return;
  }
  if (!(task in DEFAULT_DATA)) throw new UsageError(`unknown task "${task}"`);
  if (task !== 'sr') throw new Error(`eval ${task} is not built yet: it arrives with ${task === 'colorize' ? 'issue #3 (colorization)' : 'issue #4 (frame interpolation)'}`);

  const dataDir = resolve(values.data ?? DEFAULT_DATA[task]!);
  if (!existsSync(dataDir)) {
    throw new UsageError(`no data at ${dataDir}${values.data ? '' : ' (the shared data folder is not beside this clone; pass --data DIR)'}`);
  }
  const scales = values.scale.split(',').map((s) => Number(s.trim()));
  if (scales.some((s) => !Number.isInteger(s) || s < 2 || s > 8)) throw new UsageError(`--scale takes integers 2..8, got "${values.scale}"`);
  const outDir = values.out ? resolve(values.out) : undefined;

  const config = loadInferenceConfig();
  const runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
  try {
    console.log(`eval sr: ${dataDir}, scales ${scales.join(', ')}, ${config.threads} inference threads`);
    const rows = await evaluateSuperResolution({
      dataDir,
      scales,
      modelIds: values.models?.split(',').map((s) => s.trim()),
      outDir,
      runtime,
      onImage: (line) => console.log(`  ${line}`),
    });
    const table = markdownTable(
      ['scale', 'method', 'PSNR (Y, dB)', 'SSIM (Y)', 'images', 'seconds'],
      rows.map((r) => [`x${r.scale}`, r.method, r.psnr.toFixed(2), r.ssim.toFixed(4), String(r.images), r.seconds.toFixed(1)]),
    );
    console.log(`\n${table}`);
    if (outDir) {
      await mkdir(outDir, { recursive: true });
      await writeFile(join(outDir, 'results.json'), `${JSON.stringify({ task, dataDir, rows }, null, 2)}\n`);
      await writeFile(join(outDir, 'results.md'), `${table}\n`);
      console.log(`\nimages and results written to ${outDir}`);
    }
  } finally {
    await runtime.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = error as Error;
  console.error(`eval: ${e.message}`);
  if (e instanceof UsageError) console.error(USAGE);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
