import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadInferenceConfig, repoRoot } from '@revive/config';
import { createModelRegistry, createModelRuntime, type ModelRuntime } from '@revive/model-runtime';
import { writeContactSheet } from './colorize/contact-sheet.ts';
import { evaluateColorization } from './colorize/colorize-eval.ts';
import { evaluateInterpolation } from './vfi/vfi-eval.ts';
import { writeRepairContactSheet } from './repair/contact-sheet.ts';
import { evaluateRepair } from './repair/repair-eval.ts';
import { evaluateVideoRepair } from './repair/repair-video-eval.ts';
import { defaultMediaTools, probeVideo } from '@revive/video-io';
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
  repair     damage repair: --data DIR holds damaged/ and optionally clean/ (same names); without
             --data, a fixed validation set made from all the corpus's validation photos with the
             synthetic-damage generator (with true masks: a calibration row fills them with
             Telea). The base detector is scored beside the stage's. Each engine's outputs in
             OUT/<engine>/, results.json (with "default", the engine the stage uses), undamaged prints through repair ON, and a full-size contact
             sheet of ../shared/data/damaged before and after (default --out eval-out/repair)
             --masks     also write the detector's masks to OUT/masks/
             --limit N   the first N photos only
  repair-video
             film damage on a real clip (default the first 4 s of ../shared/data/video/chaplin.mp4):
             fresh dust and scratches every frame and one line scratch in every frame, repaired
             frame by frame; PSNR against the clean clip and the flicker of the error from frame
             to frame, damaged and repaired clips in OUT (default eval-out/repair-video)
             --limit N   frames (default 100)
  vfi        frame interpolation: the synthesised middle frame of each triplet (default: every
             set under ../shared/data/vfi; any folder in the Middlebury or UCF101 layout)`;

/** Where each task finds its data when --data is not given: the shared folder beside the repo. */
const DEFAULT_DATA: Record<string, string> = {
  sr: resolve(repoRoot, '../shared/data/sr/Set5'),
  colorize: resolve(repoRoot, '../shared/data/photos'),
  vfi: resolve(repoRoot, '../shared/data/vfi'),
  // The corpus the fixed validation set is made from; --data names a damaged/ + clean/ folder instead.
  repair: resolve(repoRoot, '../shared/data/photos'),
  'repair-video': resolve(repoRoot, '../shared/data/video/chaplin.mp4'),
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
      masks: { type: 'boolean' },
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
    else if (task === 'repair')
      await evalRepair(
        values.data ? dataDir : undefined,
        resolve(values.out ?? join(repoRoot, 'eval-out/repair')),
        values.limit ? Number(values.limit) : undefined,
        values.masks ?? false,
        runtime,
      );
    else if (task === 'repair-video')
      await evalRepairVideo(
        dataDir,
        resolve(values.out ?? join(repoRoot, 'eval-out/repair-video')),
        values.limit ? Number(values.limit) : 100,
        runtime,
      );
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

async function evalRepair(
  dataDir: string | undefined,
  outDir: string,
  limit: number | undefined,
  masks: boolean,
  runtime: ModelRuntime,
): Promise<void> {
  console.log(`eval repair: ${dataDir ?? 'the fixed validation set of ' + DEFAULT_DATA.repair}`);
  const result = await evaluateRepair({
    dataDir,
    photosDir: DEFAULT_DATA.repair!,
    outDir,
    runtime,
    limit,
    writeMasks: masks,
    onImage: (line) => console.log(`  ${line}`),
  });
  let table = markdownTable(
    ['engine', 'PSNR (RGB, dB)', 'SSIM (RGB)', 'gain over input (dB)', 'worse than input', 'images', 'seconds'],
    [
      ['damaged input', result.input.psnr.toFixed(2), result.input.ssim.toFixed(4), '', '', String(result.input.images), ''],
      ...result.engines.map((r) => [
        r.engine + (r.engine === result.default ? ' (default)' : ''),
        r.psnr.toFixed(2),
        r.ssim.toFixed(4),
        r.gainDb.toFixed(2),
        String(r.worseThanInput),
        String(r.images),
        r.seconds.toFixed(1),
      ]),
    ],
  );
  if (result.cleanPassThrough) {
    const c = result.cleanPassThrough;
    table += `\n\nUndamaged prints through repair ON: ${c.psnr.toFixed(2)} dB against their input (mean, identical counted as 100 dB); ${c.changedImages} of ${c.images} changed.`;
  }
  console.log(`\n${table}`);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify({ task: 'repair', ...result }, null, 2)}\n`);
  await writeFile(join(outDir, 'results.md'), `${table}\n`);
  const damagedDir = resolve(repoRoot, '../shared/data/damaged');
  if (!existsSync(damagedDir)) console.log(`contact sheet skipped: ${damagedDir} not found`);
  else {
    const prints = [...(await listImages(join(damagedDir, 'scratched'))), ...(await listImages(join(damagedDir, 'old')))];
    const sheet = join(outDir, 'contact-sheet-damaged.png');
    await writeRepairContactSheet(runtime, prints, sheet, outDir);
    console.log(`contact sheet: ${sheet}`);
  }
}

async function evalRepairVideo(videoPath: string, outDir: string, frames: number, runtime: ModelRuntime): Promise<void> {
  const video = await probeVideo(defaultMediaTools, videoPath);
  if (video.kind !== 'video') throw new UsageError(`${videoPath} is not a video: ${video.detail}`);
  console.log(`eval repair-video: ${videoPath}, ${frames} frames of ${video.width}x${video.height}`);
  const result = await evaluateVideoRepair({
    videoPath,
    width: video.width,
    height: video.height,
    rate: video.frameRate,
    frames,
    outDir,
    runtime,
  });
  const row = (name: string, s: typeof result.damaged) => [name, s.psnr.toFixed(2), s.flicker.toFixed(3), s.lineFlicker.toFixed(3)];
  const table = `${markdownTable(
    ['clip', 'PSNR vs clean (dB)', 'flicker (levels)', 'flicker on the line scratch'],
    [row('damaged', result.damaged), row('repaired', result.repaired)],
  )}\n\n${result.frames} frames; ${(result.filledFraction * 100).toFixed(2)} % of each frame filled on average.`;
  console.log(`\n${table}`);
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify({ task: 'repair-video', videoPath, ...result }, null, 2)}\n`);
  await writeFile(join(outDir, 'results.md'), `${table}\n`);
  console.log(`clips and results written to ${outDir}`);
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
