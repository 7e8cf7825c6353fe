import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidationPhoto, readPhotoCorpus, type CorpusPhoto } from '@revive/contracts';
import { readRgbPixels } from '@revive/image-io';
import { DEFAULT_THRESHOLDS } from './damage-repair.ts';
import { damagePrint, seededRandom, type DamagedPrint, type DamageKind } from './synthetic-damage.ts';

/** Corpus photos are 256 px on the short side; nothing bigger is expected there. */
const CORPUS_MAX_PIXELS = 4096 * 4096;

export interface RepairTrainingSetOptions {
  /** The photo corpus (with manifest.csv). */
  readonly photosDir: string;
  readonly outDir: string;
  /** Side of the square crops. */
  readonly crop: number;
  /** Independently damaged crops per training photo. */
  readonly perPhoto: number;
  readonly seed: number;
  /** The kinds of damage drawn; the generator's defaults (DAMAGE_KINDS) when absent. */
  readonly kinds?: readonly DamageKind[];
  readonly onPhoto?: (done: number, total: number) => void;
}

/** What the training scripts read: `<split>/{damaged,clean}.u8` (N×crop×crop×3) and `mask.u8` (N×crop×crop). */
export interface RepairTrainingSetInfo {
  readonly crop: number;
  readonly train: number;
  readonly val: number;
}

/**
 * Writes the repair networks' training data: crops of the corpus's training photos, each
 * toned, grained and damaged by the synthetic damage generator, with the clean crop and the
 * damage mask. Raw bytes, so the Python side maps them without an image decoder. Validation
 * photos (the corpus's one split rule) go to `val/`, one crop each, for the training curves;
 * the repair eval damages those same photos whole.
 */
export async function writeRepairTrainingSet(options: RepairTrainingSetOptions): Promise<RepairTrainingSetInfo> {
  const photos = await readPhotoCorpus(options.photosDir);
  const train = photos.filter((p) => !isValidationPhoto(p.source, p.original));
  const val = photos.filter((p) => isValidationPhoto(p.source, p.original));
  const rng = seededRandom(options.seed);
  let done = 0;
  const total = train.length + val.length;
  const progress = () => options.onPhoto?.(++done, total);
  const trainCount = await writeSplit(join(options.outDir, 'train'), train, options.perPhoto, options, rng, progress);
  const valCount = await writeSplit(join(options.outDir, 'val'), val, 1, options, seededRandom(options.seed + 1), progress);
  const info: RepairTrainingSetInfo = { crop: options.crop, train: trainCount, val: valCount };
  await writeFile(join(options.outDir, 'meta.json'), `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

async function writeSplit(
  dir: string,
  photos: readonly CorpusPhoto[],
  perPhoto: number,
  options: RepairTrainingSetOptions,
  rng: ReturnType<typeof seededRandom>,
  onPhoto: () => void,
): Promise<number> {
  const c = options.crop;
  return writeCrops(dir, async (write) => {
    for (const photo of photos) {
      const image = await readRgbPixels(join(options.photosDir, photo.file), CORPUS_MAX_PIXELS);
      if (image.width < c || image.height < c) continue;
      for (let k = 0; k < perPhoto; k++) {
        // A tenth of the crops stay undamaged: the detector must learn that clean prints exist.
        const print = damagePrint(
          image.pixels,
          image.width,
          image.height,
          rng,
          rng.chance(0.1) ? { severity: 0 } : { kinds: options.kinds },
        );
        await write(print, rng.int(0, image.width - c), rng.int(0, image.height - c), c);
      }
      onPhoto();
    }
  });
}

/** Opens a split's three files, lets `fill` write crops into them, and returns how many it wrote. */
async function writeCrops(
  dir: string,
  fill: (write: (print: DamagedPrint, x: number, y: number, size: number) => Promise<void>) => Promise<void>,
): Promise<number> {
  await mkdir(dir, { recursive: true });
  const files = await Promise.all(['damaged.u8', 'clean.u8', 'mask.u8'].map((name) => open(join(dir, name), 'w')));
  const [damagedFile, cleanFile, maskFile] = files as [(typeof files)[0], (typeof files)[0], (typeof files)[0]];
  let count = 0;
  try {
    await fill(async (print, x, y, size) => {
      await damagedFile.write(cropOf(print.damaged, print, x, y, size, 3));
      await cleanFile.write(cropOf(print.clean, print, x, y, size, 3));
      await maskFile.write(cropOf(print.mask, print, x, y, size, 1));
      count++;
    });
  } finally {
    await Promise.all(files.map((f) => f.close()));
  }
  return count;
}

export interface HardCropSetOptions {
  readonly photosDir: string;
  readonly outDir: string;
  readonly crop: number;
  readonly seed: number;
  /** The detector to learn from: damage probability per pixel of a whole RGB picture. */
  readonly detect: (rgb: Uint8Array, width: number, height: number) => Promise<Float32Array>;
  /** The kinds of damage drawn; the generator's defaults (DAMAGE_KINDS) when absent. */
  readonly kinds?: readonly DamageKind[];
  readonly onPhoto?: (done: number, total: number, written: number) => void;
}

/** A window is kept when the detector marks at least this many pixels in it that are not damage. */
const HARD_MIN_FALSE_PIXELS = 15;
/** Windows are tried on this grid; finer finds little more for 128 px crops. */
const HARD_WINDOW_STEP = 16;

/**
 * Writes `train/` of a mined set: each training photo damaged afresh (three in ten left clean),
 * looked at whole by an earlier detector, and cut where that detector marks the most pixels that
 * are not damage: grass, reeds, mouldings, wires, the fine real detail it takes for scratches.
 * Fine-tuned on these beside the ordinary crops, the detector learns to leave them; the crops keep
 * whatever damage lies in them, so it does not unlearn the damage either.
 */
export async function writeHardCropSet(options: HardCropSetOptions): Promise<RepairTrainingSetInfo> {
  const train = (await readPhotoCorpus(options.photosDir)).filter((p) => !isValidationPhoto(p.source, p.original));
  const rng = seededRandom(options.seed);
  const c = options.crop;
  let done = 0;
  const count = await writeCrops(join(options.outDir, 'train'), async (write) => {
    let written = 0;
    for (const photo of train) {
      const image = await readRgbPixels(join(options.photosDir, photo.file), CORPUS_MAX_PIXELS);
      if (image.width >= c && image.height >= c) {
        const print = damagePrint(
          image.pixels,
          image.width,
          image.height,
          rng,
          rng.chance(0.3) ? { severity: 0 } : { kinds: options.kinds },
        );
        const probability = await options.detect(print.damaged, print.width, print.height);
        const window = worstWindow(probability, print.mask, print.width, print.height, c);
        if (window.falsePixels >= HARD_MIN_FALSE_PIXELS) {
          await write(print, window.x, window.y, c);
          written++;
        }
      }
      options.onPhoto?.(++done, train.length, written);
    }
  });
  const info: RepairTrainingSetInfo = { crop: c, train: count, val: 0 };
  await writeFile(join(options.outDir, 'meta.json'), `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

/** The size×size window (on the grid) holding the most pixels marked damage where the true mask has none. */
export function worstWindow(
  probability: Float32Array,
  mask: Uint8Array,
  width: number,
  height: number,
  size: number,
): { x: number; y: number; falsePixels: number } {
  // A summed-area table of the false marks: each window is then four lookups.
  const wrong = new Uint32Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // Marked as the repair marks (its default bar); the generator's mask is 255 where it drew.
      const v = probability[i]! > DEFAULT_THRESHOLDS.probability && mask[i]! <= 127 ? 1 : 0;
      wrong[(y + 1) * (width + 1) + x + 1] =
        v + wrong[y * (width + 1) + x + 1]! + wrong[(y + 1) * (width + 1) + x]! - wrong[y * (width + 1) + x]!;
    }
  const sum = (x: number, y: number) =>
    wrong[(y + size) * (width + 1) + x + size]! -
    wrong[y * (width + 1) + x + size]! -
    wrong[(y + size) * (width + 1) + x]! +
    wrong[y * (width + 1) + x]!;
  let best = { x: 0, y: 0, falsePixels: -1 };
  for (let y = 0; y + size <= height; y += HARD_WINDOW_STEP)
    for (let x = 0; x + size <= width; x += HARD_WINDOW_STEP) {
      const n = sum(x, y);
      if (n > best.falsePixels) best = { x, y, falsePixels: n };
    }
  return best;
}

function cropOf(pixels: Uint8Array, print: DamagedPrint, x: number, y: number, size: number, channels: number): Uint8Array {
  const out = new Uint8Array(size * size * channels);
  for (let row = 0; row < size; row++) {
    const from = ((y + row) * print.width + x) * channels;
    out.set(pixels.subarray(from, from + size * channels), row * size * channels);
  }
  return out;
}
