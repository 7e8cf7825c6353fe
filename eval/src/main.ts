import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import { writeContactSheet } from './colorize/contact-sheet.ts';
import { evaluateColorization } from './colorize/colorize-eval.ts';
import { evaluateInterpolation } from './vfi/vfi-eval.ts';
import { createLearnedInterpolator, createMinterpolate } from '@revive/frame-interpolator';
import { markdownTable } from './report.ts';
import { writeSrContactSheet } from './sr/contact-sheet.ts';
import { evaluateSuperResolution, listImages } from './sr/sr-eval.ts';

const USAGE = `usage: npm run eval -- <task> [--data DIR] [--out DIR] [--models id,id] [task options]

tasks:
  sr         super-resolution on a folder of HR images (default ../shared/data/sr/Set5), with each
             model's speed as a ratio to esrgan-thick; plus a contact sheet of ../shared/data/bw
             crops at x4 (nearest, bicubic, esrgan-thick-x4, Revive's models) in --out
             (default eval-out/sr)
             --scale 2,4
  colorize   colorization of the grey version of colour photos (default: the validation split
             of ../shared/data/photos), plus a contact sheet of ../shared/data/bw
             --limit N   evaluate the first N photos only
  vfi        frame interpolation: the synthesised middle frame of each triplet (default: every
             set under ../shared/data/vfi; any folder in the Middlebury or UCF101 layout)`;

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
      limit: { type: 'string' },
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

  const dataDir = resolve(values.data ?? DEFAULT_DATA[task]!);
  if (!existsSync(dataDir)) {
    throw new UsageError(
      `no data at ${dataDir}${values.data ? '' : ' (the shared data folder is not beside this clone; pass --data DIR)'}`,
    );
  }
  const modelIds = values.models?.split(',').map((s) => s.trim());
  const config = loadInferenceConfig();
  const runtime = createModelRuntime({ registry: createModelRegistry(config.modelDirs), threads: config.threads });
  try {
    if (task === 'sr')
      await evalSr(dataDir, values.scale, modelIds, resolve(values.out ?? join(repoRoot, 'eval-out/sr')), runtime, config.threads);
    else if (task === 'vfi') await evalVfi(dataDir, modelIds, values.out ? resolve(values.out) : undefined, runtime);
    else
      await evalColorize(
        dataDir,
        modelIds,
        resolve(values.out ?? join(repoRoot, 'eval-out/colorize')),
        values.limit ? Number(values.limit) : undefined,
        runtime,
      );
  } finally {
    await runtime.close();
  }
}

async function writeResults(outDir: string | undefined, task: string, dataDir: string, rows: unknown, table: string): Promise<void> {
  if (!outDir) return;
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify({ task, dataDir, rows }, null, 2)}\n`);
  await writeFile(join(outDir, 'results.md'), `${table}\n`);
  console.log(`\nimages and results written to ${outDir}`);
}

async function evalColorize(
  dataDir: string,
  modelIds: string[] | undefined,
  outDir: string,
  limit: number | undefined,
  runtime: ModelRuntime,
): Promise<void> {
  console.log(`eval colorize: ${dataDir}`);
  const rows = await evaluateColorization({ dataDir, modelIds, outDir, limit, runtime, onImage: (line) => console.log(`  ${line}`) });
  const overall = rows.filter((r) => r.group === 'all');
  let table = markdownTable(
    ['method', 'PSNR (RGB, dB)', 'SSIM (RGB)', 'colourfulness ratio', 'images', 'seconds'],
    overall.map((r) => [
      r.method,
      r.psnr.toFixed(2),
      r.ssim.toFixed(4),
      r.colourfulnessRatio.toFixed(2),
      String(r.images),
      r.seconds.toFixed(1),
    ]),
  );
  const bySource = rows.filter((r) => r.group !== 'all');
  if (bySource.length > 0) {
    const grey = new Map(bySource.filter((r) => r.method === 'grayscale').map((r) => [r.group, r.psnr]));
    table += `\n\nBy source:\n\n${markdownTable(
      ['source', 'method', 'PSNR (RGB, dB)', 'vs grey (dB)', 'colourfulness ratio', 'images'],
      bySource.map((r) => [
        r.group,
        r.method,
        r.psnr.toFixed(2),
        (r.psnr - grey.get(r.group)!).toFixed(2),
        r.colourfulnessRatio.toFixed(2),
        String(r.images),
      ]),
    )}`;
  }
  console.log(`\n${table}`);
  await writeResults(outDir, 'colorize', dataDir, rows, table);
  const bwDir = resolve(repoRoot, '../shared/data/bw');
  const models = overall.filter((r) => r.method !== 'grayscale');
  if (!existsSync(bwDir)) console.log(`contact sheet skipped: ${bwDir} not found`);
  else if (models.length === 0) console.log('contact sheet skipped: no colorization model installed');
  else {
    const sheet = join(outDir, 'contact-sheet-bw.png');
    await writeContactSheet(runtime, await listImages(bwDir), sheet, models[0]!.method);
    console.log(`contact sheet (${models[0]!.method}): ${sheet}`);
  }
}

async function evalVfi(dataDir: string, modelIds: string[] | undefined, outDir: string | undefined, runtime: ModelRuntime): Promise<void> {
  console.log(`eval vfi: ${dataDir}`);
  const learned = (await runtime.registry.find('interpolate')).filter((m) => !modelIds || modelIds.includes(m.id));
  const engines = [
    createMinterpolate(),
    ...learned.flatMap((m) => [
      createLearnedInterpolator(runtime, { modelId: m.id }),
      createLearnedInterpolator(runtime, { modelId: m.id, ensemble: true }),
    ]),
  ];
  const rows = await evaluateInterpolation({ dataDir, engines, outDir, onTriplet: (line) => console.log(`  ${line}`) });
  const table = markdownTable(
    ['set', 'method', 'PSNR (RGB, dB)', 'SSIM (RGB)', 'triplets', 'held at cuts', 'seconds'],
    rows.map((r) => [r.set, r.method, r.psnr.toFixed(2), r.ssim.toFixed(4), String(r.triplets), String(r.held), r.seconds.toFixed(1)]),
  );
  console.log(`\n${table}`);
  await writeResults(outDir, 'vfi', dataDir, rows, table);
}

async function evalSr(
  dataDir: string,
  scaleList: string,
  modelIds: string[] | undefined,
  outDir: string,
  runtime: ModelRuntime,
  threads: number,
): Promise<void> {
  const scales = scaleList.split(',').map((s) => Number(s.trim()));
  if (scales.some((s) => !Number.isInteger(s) || s < 2 || s > 8)) throw new UsageError(`--scale takes integers 2..8, got "${scaleList}"`);
  console.log(`eval sr: ${dataDir}, scales ${scales.join(', ')}, ${threads} inference threads`);
  const rows = await evaluateSuperResolution({ dataDir, scales, modelIds, outDir, runtime, onImage: (line) => console.log(`  ${line}`) });
  // Speed is the same images through the same runtime, as a ratio to the strongest converted model.
  const thickSeconds = (scale: number) => rows.find((r) => r.scale === scale && r.method === `esrgan-thick-x${scale}`)?.seconds;
  const table = markdownTable(
    ['scale', 'method', 'PSNR (Y, dB)', 'SSIM (Y)', 'images', 'seconds', 'speed vs esrgan-thick'],
    rows.map((r) => {
      const thick = thickSeconds(r.scale);
      return [
        `x${r.scale}`,
        r.method,
        r.psnr.toFixed(2),
        r.ssim.toFixed(4),
        String(r.images),
        r.seconds.toFixed(2),
        thick && r.method !== 'bicubic' ? `${(thick / r.seconds).toFixed(1)}x` : '',
      ];
    }),
  );
  console.log(`\n${table}`);
  await writeResults(outDir, 'sr', dataDir, rows, table);

  const bwDir = resolve(repoRoot, '../shared/data/bw');
  const installed = new Set((await runtime.registry.find('superres', 4)).map((m) => m.id));
  const sheetModels = ['esrgan-thick-x4', 'revive-sr-photo-x4', 'revive-sr-clean-x4'].filter(
    (id) => installed.has(id) && (!modelIds || modelIds.includes(id)),
  );
  if (!existsSync(bwDir)) console.log(`contact sheet skipped: ${bwDir} not found`);
  else if (sheetModels.length === 0) console.log('contact sheet skipped: none of its x4 models is installed or selected');
  else {
    const sheet = join(outDir, 'contact-sheet-bw-x4.png');
    const columns = await writeSrContactSheet({
      runtime,
      photos: await listImages(bwDir),
      outPath: sheet,
      scale: 4,
      modelIds: sheetModels,
    });
    console.log(`contact sheet: ${sheet}\n  columns: ${columns.join(' | ')} (centre crops of 96 px, photos first reduced to 480 px)`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = error as Error;
  console.error(`eval: ${e.message}`);
  if (e instanceof UsageError) console.error(USAGE);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
