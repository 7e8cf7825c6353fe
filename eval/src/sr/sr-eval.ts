import { mkdir, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { memoryRasterSink, memoryRasterSource } from '@revive/image-io';
import { runTiled, type ModelRuntime } from '@revive/model-runtime';
import { createFloatImage, cropToMultiple, quantize, readRgbImage, writePng, type FloatImage } from '../float-image.ts';
import { imresizeBicubic } from '../imresize.ts';
import { psnr, rgbToY, shaveBorder, ssim } from '../metrics.ts';

export interface SrEvalOptions {
  /** A folder of high-resolution images (PNG, JPEG, ...). */
  readonly dataDir: string;
  readonly scales: readonly number[];
  /** Restrict to these model ids; every installed super-resolution model by default. */
  readonly modelIds?: readonly string[];
  /** When set, every method's output image is written under `<outDir>/x<scale>/<method>/`. */
  readonly outDir?: string;
  readonly runtime: ModelRuntime;
  readonly onImage?: (line: string) => void;
}

/** One method's mean scores at one scale. */
export interface SrEvalRow {
  readonly method: string;
  readonly scale: number;
  readonly psnr: number;
  readonly ssim: number;
  readonly images: number;
  readonly seconds: number;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp']);

export async function listImages(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
  if (names.length === 0) throw new Error(`${dir} holds no images (${[...IMAGE_EXTENSIONS].join(' ')})`);
  return names.map((n) => join(dir, n));
}

function scoreY(result: FloatImage, hr: FloatImage, shave: number): { psnr: number; ssim: number } {
  const a = shaveBorder(rgbToY(result), shave);
  const b = shaveBorder(rgbToY(hr), shave);
  return { psnr: psnr(a, b), ssim: ssim(a, b) };
}

/**
 * The literature's SR protocol: HR cropped to a multiple of the scale, MATLAB-bicubic
 * downscale quantised to 8 bits as the input, Y-channel PSNR/SSIM with `scale` pixels shaved.
 */
export async function evaluateSuperResolution(options: SrEvalOptions): Promise<SrEvalRow[]> {
  const images = await listImages(options.dataDir);
  const rows: SrEvalRow[] = [];
  for (const scale of options.scales) {
    const installed = await options.runtime.registry.find('superres', scale);
    const models = installed.filter((m) => !options.modelIds || options.modelIds.includes(m.id));
    const methods = ['bicubic', ...models.map((m) => m.id)];
    // Sessions are created before the clock starts: seconds are inference, comparable across models.
    for (const m of models) await options.runtime.load(m.id);
    const totals = new Map(methods.map((m) => [m, { psnr: 0, ssim: 0, seconds: 0 }]));
    for (const path of images) {
      const name = basename(path, extname(path));
      const hr = cropToMultiple(await readRgbImage(path), scale);
      const lr = createFloatImage(hr.width / scale, hr.height / scale, 3, quantize(imresizeBicubic(hr, 1 / scale)));
      await save(scale, 'lr', name, lr);
      for (const method of methods) {
        const started = performance.now();
        const result = method === 'bicubic' ? upscaleBicubic(lr, scale) : await upscaleWithModel(options.runtime, method, lr);
        const seconds = (performance.now() - started) / 1000;
        const score = scoreY(result, hr, scale);
        const t = totals.get(method)!;
        t.psnr += score.psnr;
        t.ssim += score.ssim;
        t.seconds += seconds;
        options.onImage?.(
          `x${scale} ${method.padEnd(18)} ${name.padEnd(12)} PSNR ${score.psnr.toFixed(2)} SSIM ${score.ssim.toFixed(4)} ${seconds.toFixed(1)} s`,
        );
        await save(scale, method, name, result);
      }
    }
    for (const method of methods) {
      const t = totals.get(method)!;
      const n = images.length;
      rows.push({ method, scale, psnr: t.psnr / n, ssim: t.ssim / n, images: n, seconds: t.seconds });
    }
  }
  return rows;

  async function save(scale: number, method: string, name: string, image: FloatImage): Promise<void> {
    if (!options.outDir) return;
    const dir = join(options.outDir, `x${scale}`, method);
    await mkdir(dir, { recursive: true });
    await writePng(join(dir, `${name}.png`), image);
  }
}

function upscaleBicubic(lr: FloatImage, scale: number): FloatImage {
  const up = imresizeBicubic(lr, scale);
  return createFloatImage(up.width, up.height, up.channels, quantize(up));
}

async function upscaleWithModel(runtime: ModelRuntime, id: string, lr: FloatImage): Promise<FloatImage> {
  const model = await runtime.load(id);
  const scale = model.manifest.scale;
  const source = memoryRasterSource(quantize(lr), lr.width, lr.height, 3);
  const sink = memoryRasterSink(lr.width * scale, lr.height * scale, 3);
  await runTiled(model, source, sink);
  return createFloatImage(lr.width * scale, lr.height * scale, 3, sink.pixels);
}
