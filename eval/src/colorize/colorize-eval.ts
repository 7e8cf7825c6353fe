import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { isValidationPhoto, readPhotoCorpus } from '@revive/contracts';
import { colorizeImageFile, hasslerColourfulness, luma } from '@revive/colorizer';
import type { ModelRuntime } from '@revive/model-runtime';
import { createFloatImage, quantize, readRgbImage, writePng, type FloatImage } from '../float-image.ts';
import { psnr, ssim } from '../metrics.ts';
import { listImages } from '../sr/sr-eval.ts';

export interface ColorizeEvalOptions {
  /** A folder of colour photos; with a manifest.csv (the shared corpus) only its validation split is used. */
  readonly dataDir: string;
  readonly modelIds?: readonly string[];
  readonly outDir?: string;
  readonly limit?: number;
  readonly runtime: ModelRuntime;
  readonly onImage?: (line: string) => void;
}

export interface ColorizeEvalRow {
  readonly method: string;
  /** `all`, or the corpus source (manifest.csv `source`) the row is restricted to. */
  readonly group: string;
  readonly psnr: number;
  readonly ssim: number;
  /** Mean colourfulness of the results over that of the true photos: 1 is right, below is washed out, above garish. */
  readonly colourfulnessRatio: number;
  readonly images: number;
  readonly seconds: number;
}

/** One colourized photo's scores, before averaging. */
export interface ColorizeSample {
  readonly method: string;
  readonly group: string;
  readonly psnr: number;
  readonly ssim: number;
  readonly colourfulness: number;
  readonly trueColourfulness: number;
  readonly seconds: number;
}

export interface ColorizeEvalImage {
  readonly path: string;
  /** The corpus source of the photo; '' for a plain folder. */
  readonly group: string;
}

/**
 * Means per method over all photos, then per method and source when there is more than one source:
 * the split mixes buildings, people and insects, and a model can beat grey on the whole while losing
 * on one kind of photo. The colourfulness ratio is a ratio of sums, so colourful photos weigh more.
 */
export function summariseColorization(samples: readonly ColorizeSample[]): ColorizeEvalRow[] {
  const methods = [...new Set(samples.map((s) => s.method))];
  const groups = [...new Set(samples.map((s) => s.group))].sort();
  const rows: ColorizeEvalRow[] = [];
  const summarise = (method: string, group: string, of: readonly ColorizeSample[]) => {
    const n = of.length;
    const sum = (pick: (s: ColorizeSample) => number) => of.reduce((a, s) => a + pick(s), 0);
    rows.push({
      method,
      group,
      psnr: sum((s) => s.psnr) / n,
      ssim: sum((s) => s.ssim) / n,
      colourfulnessRatio: sum((s) => s.colourfulness) / sum((s) => s.trueColourfulness),
      images: n,
      seconds: sum((s) => s.seconds),
    });
  };
  for (const method of methods)
    summarise(
      method,
      'all',
      samples.filter((s) => s.method === method),
    );
  if (groups.length > 1) {
    for (const group of groups) {
      for (const method of methods)
        summarise(
          method,
          group,
          samples.filter((s) => s.method === method && s.group === group),
        );
    }
  }
  return rows;
}

export async function colorizeEvalImages(dataDir: string): Promise<ColorizeEvalImage[]> {
  const manifest = join(dataDir, 'manifest.csv');
  if (!existsSync(manifest)) return (await listImages(dataDir)).map((path) => ({ path, group: '' }));
  return (await readPhotoCorpus(dataDir))
    .filter((p) => isValidationPhoto(p.source, p.original))
    .map((p) => ({ path: join(dataDir, p.file), group: p.source }));
}

/** BT.601 luma of an RGB image, rounded to 8 bits: what a black-and-white print of it holds. */
function greyOf(rgb: FloatImage): Uint8Array {
  const out = new Uint8Array(rgb.width * rgb.height);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(luma(rgb.data[i * 3]!, rgb.data[i * 3 + 1]!, rgb.data[i * 3 + 2]!) * 255);
  return out;
}

export async function evaluateColorization(options: ColorizeEvalOptions): Promise<ColorizeEvalRow[]> {
  const images = (await colorizeEvalImages(options.dataDir)).slice(0, options.limit);
  const models = (await options.runtime.registry.find('colorize')).filter((m) => !options.modelIds || options.modelIds.includes(m.id));
  const methods = ['grayscale', ...models.map((m) => m.id)];
  const samples: ColorizeSample[] = [];
  const work = await mkdtemp(join(tmpdir(), 'revive-eval-colorize-'));
  try {
    for (const [index, { path, group }] of images.entries()) {
      const name = basename(path, extname(path));
      const truth = await readRgbImage(path);
      const trueColourfulness = hasslerColourfulness(quantize(truth), 3);
      const grey = greyOf(truth);
      const greyPath = join(work, `${index}.png`);
      await sharp(grey, { raw: { width: truth.width, height: truth.height, channels: 1 } })
        .png()
        .toFile(greyPath);
      for (const method of methods) {
        const started = performance.now();
        let result: FloatImage;
        if (method === 'grayscale') {
          result = createFloatImage(
            truth.width,
            truth.height,
            3,
            Uint8Array.from({ length: grey.length * 3 }, (_, i) => grey[Math.floor(i / 3)]!),
          );
        } else {
          const outPath = join(work, `${index}-${method}.png`);
          await colorizeImageFile(options.runtime, {
            inputPath: greyPath,
            outputPath: outPath,
            mode: 'on',
            modelId: method,
            maxInputPixels: 1e9,
            tmpDir: work,
          });
          result = await readRgbImage(outPath);
        }
        const seconds = (performance.now() - started) / 1000;
        const p = psnr(result, truth);
        samples.push({
          method,
          group,
          psnr: p,
          ssim: ssim(result, truth),
          colourfulness: hasslerColourfulness(quantize(result), 3),
          trueColourfulness,
          seconds,
        });
        if (options.outDir) {
          await mkdir(join(options.outDir, method), { recursive: true });
          await writePng(join(options.outDir, method, `${name}.png`), result);
        }
        if (index % 25 === 0) options.onImage?.(`${method.padEnd(20)} ${name.padEnd(40)} PSNR ${p.toFixed(2)}`);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return summariseColorization(samples);
}
