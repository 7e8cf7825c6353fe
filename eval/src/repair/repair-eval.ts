import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { isValidationPhoto, ModelTask, readPhotoCorpus } from '@revive/contracts';
import { readRgbPixels, writePngFile } from '@revive/image-io';
import type { ModelRuntime } from '@revive/model-runtime';
import {
  BASE_REPAIR_DETECTOR,
  CANDIDATE_REPAIR_ENGINE,
  DEFAULT_REPAIR_FILL,
  fillMasked,
  PREVIOUS_REPAIR_ENGINE,
  REPAIR_FILL_MODEL,
  damagePrint,
  repairImageFile,
  seededRandom,
  type RepairFill,
} from '@revive/repairer';
import { createFloatImage, quantize, readRgbImage, type FloatImage } from '../float-image.ts';
import { psnr, ssim } from '../metrics.ts';
import { listImages } from '../sr/sr-eval.ts';

/** What a repair engine is scored as: the detector's mask filled one way, or a calibration. */
export interface RepairEngineRow {
  readonly engine: string;
  readonly psnr: number;
  readonly ssim: number;
  /** dB above the damaged input, averaged over the photos. */
  readonly gainDb: number;
  /** Photos whose result scores below the damaged input. */
  readonly worseThanInput: number;
  readonly images: number;
  readonly seconds: number;
}

export interface RepairEvalResult {
  readonly dataDir: string;
  /** The engine the stage uses. */
  readonly default: string;
  readonly input: { readonly psnr: number; readonly ssim: number; readonly images: number };
  readonly engines: readonly RepairEngineRow[];
  /** Undamaged prints through `repair: on`: PSNR of the output against its own input. */
  readonly cleanPassThrough?: { readonly psnr: number; readonly images: number; readonly changedImages: number };
  /** Per photo: its name, and the PSNR of the input and of each engine. */
  readonly perImage: ReadonlyArray<Readonly<Record<string, number | string>>>;
}

export interface RepairEvalOptions {
  /** A folder with `damaged/` and optionally `clean/` (same names), or undefined for the fixed validation set. */
  readonly dataDir?: string;
  /** The photo corpus the fixed set is made from. */
  readonly photosDir: string;
  readonly outDir: string;
  readonly runtime: ModelRuntime;
  readonly limit?: number;
  readonly writeMasks?: boolean;
  readonly onImage?: (line: string) => void;
}

/**
 * Each engine name in the results: its fill, a detector other than the stage's, and the verifier
 * that judges its regions (null: every marked region is filled). The rows without a verifier are
 * the same-run baselines the stage has to beat; the candidate is what has to beat the stage.
 */
const ENGINES: Record<string, { readonly fill: RepairFill; readonly detector?: string; readonly verifier?: string | null }> = {
  telea: { fill: 'telea' },
  learned: { fill: 'learned' },
  'telea-every-region': { fill: 'telea', verifier: null },
  [`telea-${PREVIOUS_REPAIR_ENGINE.verifier}`]: { fill: 'telea', ...PREVIOUS_REPAIR_ENGINE },
  [`telea-${CANDIDATE_REPAIR_ENGINE.detector}`]: { fill: 'telea', ...CANDIDATE_REPAIR_ENGINE },
  [`telea-${BASE_REPAIR_DETECTOR}-every-region`]: { fill: 'telea', detector: BASE_REPAIR_DETECTOR, verifier: null },
};

/**
 * Scores each fill on damaged prints against their clean originals (PSNR/SSIM over RGB),
 * beside the damaged input itself. Without --data, the fixed validation set is made here:
 * the corpus's validation photos, toned and damaged by the generator with fixed seeds, and
 * for those (their masks being known) a calibration row fills the true mask with Telea.
 */
export async function evaluateRepair(options: RepairEvalOptions): Promise<RepairEvalResult> {
  const { runtime, outDir } = options;
  await mkdir(outDir, { recursive: true });
  const dataDir = options.dataDir ?? (await writeFixedSet(options.photosDir, join(outDir, 'set'), options.limit));
  const damagedDir = join(dataDir, 'damaged');
  const cleanDir = join(dataDir, 'clean');
  if (!existsSync(damagedDir)) throw new Error(`${dataDir} has no damaged/ folder`);
  const names = (await listImages(damagedDir)).map((p) => basename(p)).slice(0, options.limit);
  const scored = existsSync(cleanDir);
  const installed = new Set(
    (await Promise.all([ModelTask.repairFill, ModelTask.repairDetect, ModelTask.repairVerify].map((task) => runtime.registry.find(task))))
      .flat()
      .map((m) => m.id),
  );
  const available = Object.keys(ENGINES).filter(
    (e) =>
      (ENGINES[e]!.fill !== 'learned' || installed.has(REPAIR_FILL_MODEL)) &&
      (!ENGINES[e]!.detector || installed.has(ENGINES[e]!.detector!)) &&
      (!ENGINES[e]!.verifier || installed.has(ENGINES[e]!.verifier!)),
  );
  const truthDir = join(dataDir, 'mask');
  const calibrate = existsSync(truthDir);
  const work = await mkdtemp(join(tmpdir(), 'revive-eval-repair-'));
  const totals = new Map<string, { psnr: number; ssim: number; gain: number; worse: number; seconds: number }>();
  const input = { psnr: 0, ssim: 0 };
  const perImage: Array<Record<string, number | string>> = [];
  try {
    for (const name of names) {
      const damagedPath = join(damagedDir, name);
      const clean = scored ? await readRgbImage(join(cleanDir, name)) : undefined;
      const damaged = await readRgbImage(damagedPath);
      const row: Record<string, number | string> = { name };
      const inputScore = clean ? { psnr: psnr(damaged, clean), ssim: ssim(damaged, clean) } : undefined;
      if (inputScore) {
        input.psnr += inputScore.psnr;
        input.ssim += inputScore.ssim;
        row.input = round(inputScore.psnr);
      }
      for (const engine of available) {
        const out = join(outDir, engine, `${basename(name, extname(name))}.png`);
        await mkdir(join(outDir, engine), { recursive: true });
        const started = performance.now();
        const mask = options.writeMasks && engine === available[0] ? new Uint8Array(damaged.width * damaged.height) : undefined;
        const result = await repairImageFile(runtime, {
          inputPath: damagedPath,
          outputPath: out,
          mode: 'on',
          fill: ENGINES[engine]!.fill,
          detector: ENGINES[engine]!.detector,
          verifier: ENGINES[engine]!.verifier,
          maxInputPixels: 1e9,
          tmpDir: work,
          onMask: mask ? (rows, y0) => mask.set(rows, y0 * damaged.width) : undefined,
        });
        const seconds = (performance.now() - started) / 1000;
        // Nothing found: the stage hands the print on as it is, and so is it scored.
        if (!result.repaired) await writePngFile(out, quantize(damaged), damaged.width, damaged.height, 3);
        if (mask) {
          await mkdir(join(outDir, 'masks'), { recursive: true });
          await writePngFile(join(outDir, 'masks', `${basename(name, extname(name))}.png`), mask, damaged.width, damaged.height, 1);
        }
        add(totals, engine, seconds, clean && inputScore ? await scoreAgainst(out, clean, inputScore.psnr) : undefined, row);
      }
      if (calibrate && clean && inputScore) {
        const started = performance.now();
        const truth = await readRgbPixels(join(truthDir, name), 1e9);
        const pixels = quantize(damaged);
        const holes = new Uint8Array(damaged.width * damaged.height);
        for (let i = 0; i < holes.length; i++) holes[i] = truth.pixels[i * 3]! > 127 ? 255 : 0;
        fillMasked(pixels, damaged.width, damaged.height, 3, holes, { radius: 5 });
        const filled = createFloatImage(damaged.width, damaged.height, 3, pixels);
        const score = { psnr: psnr(filled, clean), ssim: ssim(filled, clean), gain: psnr(filled, clean) - inputScore.psnr };
        add(totals, 'telea (true mask)', (performance.now() - started) / 1000, score, row);
      }
      perImage.push(row);
      options.onImage?.(
        `${name}: ${Object.entries(row)
          .filter(([k]) => k !== 'name')
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
    }
    const n = names.length;
    const cleanPassThrough = options.dataDir ? undefined : await passThrough(runtime, join(outDir, 'set', 'clean'), work, options.onImage);
    return {
      dataDir,
      default: DEFAULT_REPAIR_FILL,
      input: { psnr: input.psnr / n, ssim: input.ssim / n, images: scored ? n : 0 },
      engines: [...totals.entries()].map(([engine, t]) => ({
        engine,
        psnr: t.psnr / n,
        ssim: t.ssim / n,
        gainDb: t.gain / n,
        worseThanInput: t.worse,
        images: n,
        seconds: t.seconds,
      })),
      cleanPassThrough,
      perImage,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

type Score = { psnr: number; ssim: number; gain: number };

async function scoreAgainst(path: string, clean: FloatImage, inputPsnr: number): Promise<Score> {
  const out = await readRgbImage(path);
  const p = psnr(out, clean);
  return { psnr: p, ssim: ssim(out, clean), gain: p - inputPsnr };
}

function add(
  totals: Map<string, { psnr: number; ssim: number; gain: number; worse: number; seconds: number }>,
  engine: string,
  seconds: number,
  score: Score | undefined,
  row: Record<string, number | string>,
): void {
  const t = totals.get(engine) ?? { psnr: 0, ssim: 0, gain: 0, worse: 0, seconds: 0 };
  t.seconds += seconds;
  if (score) {
    t.psnr += score.psnr;
    t.ssim += score.ssim;
    t.gain += score.gain;
    if (score.gain < 0) t.worse++;
    row[engine] = round(score.psnr);
  }
  totals.set(engine, t);
}

/** Undamaged prints through `repair: on`: how far the output strays from its own input. */
async function passThrough(runtime: ModelRuntime, cleanDir: string, work: string, onImage?: (line: string) => void) {
  if (!existsSync(cleanDir)) return undefined;
  const names = (await readdir(cleanDir)).filter((n) => n.endsWith('.png')).sort();
  let total = 0;
  let changed = 0;
  for (const name of names) {
    const inputPath = join(cleanDir, name);
    const out = join(work, `pass-${name}`);
    const result = await repairImageFile(runtime, { inputPath, outputPath: out, mode: 'on', maxInputPixels: 1e9, tmpDir: work });
    // Identical is capped at 100 dB so one untouched photo does not make the mean infinite.
    const score = result.repaired ? Math.min(100, psnr(await readRgbImage(out), await readRgbImage(inputPath))) : 100;
    if (result.repaired) changed++;
    total += score;
  }
  onImage?.(`clean prints through repair ON: ${(total / names.length).toFixed(2)} dB mean, ${changed} of ${names.length} changed`);
  return { psnr: total / names.length, images: names.length, changedImages: changed };
}

/** The fixed validation set: each validation photo damaged with its own seed, with clean and true mask. */
async function writeFixedSet(photosDir: string, dir: string, limit: number | undefined): Promise<string> {
  const photos = (await readPhotoCorpus(photosDir)).filter((p) => isValidationPhoto(p.source, p.original)).slice(0, limit);
  for (const sub of ['damaged', 'clean', 'mask']) await mkdir(join(dir, sub), { recursive: true });
  for (const [index, photo] of photos.entries()) {
    const name = `${String(index).padStart(3, '0')}-${basename(photo.file, extname(photo.file))}.png`;
    const image = await readRgbPixels(join(photosDir, photo.file), 1e9);
    // Damaged at least moderately, so every photo of the set has something to repair.
    const print = damagePrint(image.pixels, image.width, image.height, seededRandom(10_000 + index), { severity: 0.6 + (index % 5) * 0.2 });
    await writePngFile(join(dir, 'damaged', name), print.damaged, print.width, print.height, 3);
    await writePngFile(join(dir, 'clean', name), print.clean, print.width, print.height, 3);
    await writePngFile(join(dir, 'mask', name), print.mask, print.width, print.height, 1);
  }
  return dir;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
