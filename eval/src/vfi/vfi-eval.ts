import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { frameAverage, interpolateFrame, type FrameInterpolator, type RgbFrame } from '@revive/frame-interpolator';
import { createFloatImage, readRgbImage, writePng, type FloatImage } from '../float-image.ts';
import { psnr, ssim } from '../metrics.ts';

/** Two input frames and the true frame halfway between them. */
export interface Triplet {
  readonly name: string;
  readonly first: string;
  readonly middle: string;
  readonly last: string;
}

/**
 * Finds triplets in either published layout: Middlebury/DAVIS (`input/<seq>/frame10.png`,
 * `frame11.png`, `gt/<seq>/frame10i11.png`) or UCF101 as cut for DVF (`<n>/frame0.png`,
 * `frame1.png` = middle, `frame2.png`).
 */
export async function findTriplets(dir: string): Promise<Triplet[]> {
  if (existsSync(join(dir, 'input')) && existsSync(join(dir, 'gt'))) {
    const seqs = (await readdir(join(dir, 'input'))).sort();
    return seqs
      .map((seq) => ({
        name: seq,
        first: join(dir, 'input', seq, 'frame10.png'),
        last: join(dir, 'input', seq, 'frame11.png'),
        middle: join(dir, 'gt', seq, 'frame10i11.png'),
      }))
      .filter((t) => existsSync(t.first) && existsSync(t.last) && existsSync(t.middle));
  }
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  return entries
    .sort((x, y) => x.localeCompare(y, undefined, { numeric: true }))
    .map((n) => ({ name: n, first: join(dir, n, 'frame0.png'), middle: join(dir, n, 'frame1.png'), last: join(dir, n, 'frame2.png') }))
    .filter((t) => existsSync(t.first) && existsSync(t.middle) && existsSync(t.last));
}

/** Data sets under a folder: the folder itself if it holds triplets, else each subfolder that does. */
export async function findTripletSets(dir: string): Promise<{ name: string; triplets: Triplet[] }[]> {
  const own = await findTriplets(dir);
  if (own.length > 0) return [{ name: basename(dir), triplets: own }];
  const sets = [];
  for (const e of (await readdir(dir, { withFileTypes: true }))
    .filter((x) => x.isDirectory())
    .sort((x, y) => x.name.localeCompare(y.name))) {
    const triplets = await findTriplets(join(dir, e.name));
    if (triplets.length > 0) sets.push({ name: e.name, triplets });
  }
  if (sets.length === 0) throw new Error(`${dir} holds no frame triplets in the Middlebury or UCF101 layout`);
  return sets;
}

export interface VfiEvalRow {
  readonly set: string;
  readonly method: string;
  readonly psnr: number;
  readonly ssim: number;
  readonly triplets: number;
  readonly held: number;
  readonly seconds: number;
}

const toFrame = (img: FloatImage): RgbFrame => ({ width: img.width, height: img.height, data: Uint8Array.from(img.data) });
const toImage = (f: RgbFrame): FloatImage => createFloatImage(f.width, f.height, 3, f.data);

/** Mean RGB PSNR/SSIM of the synthesised middle frame against the true one, per set and method. */
export async function evaluateInterpolation(options: {
  readonly dataDir: string;
  readonly engines: readonly FrameInterpolator[];
  readonly outDir?: string;
  readonly onTriplet?: (line: string) => void;
}): Promise<VfiEvalRow[]> {
  const rows: VfiEvalRow[] = [];
  for (const set of await findTripletSets(options.dataDir)) {
    for (const engine of [frameAverage, ...options.engines]) {
      let sumPsnr = 0;
      let sumSsim = 0;
      let held = 0;
      let seconds = 0;
      for (const t of set.triplets) {
        const [a, gt, b] = await Promise.all([readRgbImage(t.first), readRgbImage(t.middle), readRgbImage(t.last)]);
        const started = performance.now();
        const result = await interpolateFrame(engine, toFrame(a), toFrame(b), 0.5);
        seconds += (performance.now() - started) / 1000;
        if (result.how === 'held') held++;
        const out = toImage(result.frame);
        const p = psnr(out, gt);
        sumPsnr += p;
        sumSsim += ssim(out, gt);
        options.onTriplet?.(
          `${set.name} ${engine.name.padEnd(14)} ${t.name.padEnd(12)} PSNR ${p.toFixed(2)}${result.how === 'held' ? ' (scene cut: held)' : ''}`,
        );
        if (options.outDir) {
          const dir = join(options.outDir, set.name, engine.name);
          await mkdir(dir, { recursive: true });
          await writePng(join(dir, `${t.name}.png`), out);
        }
      }
      const n = set.triplets.length;
      rows.push({ set: set.name, method: engine.name, psnr: sumPsnr / n, ssim: sumSsim / n, triplets: n, held, seconds });
    }
  }
  return rows;
}
