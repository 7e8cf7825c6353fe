import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidationPhoto, readPhotoCorpus, type CorpusPhoto } from '@revive/contracts';
import { readRgbPixels } from '@revive/image-io';
import { damagePrint, seededRandom, type DamagedPrint } from './synthetic-damage.ts';

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
  await mkdir(dir, { recursive: true });
  const files = await Promise.all(['damaged.u8', 'clean.u8', 'mask.u8'].map((name) => open(join(dir, name), 'w')));
  const [damagedFile, cleanFile, maskFile] = files as [(typeof files)[0], (typeof files)[0], (typeof files)[0]];
  const c = options.crop;
  let count = 0;
  try {
    for (const photo of photos) {
      const image = await readRgbPixels(join(options.photosDir, photo.file), CORPUS_MAX_PIXELS);
      if (image.width < c || image.height < c) continue;
      for (let k = 0; k < perPhoto; k++) {
        // A tenth of the crops stay undamaged: the detector must learn that clean prints exist.
        const print = damagePrint(image.pixels, image.width, image.height, rng, rng.chance(0.1) ? { severity: 0 } : {});
        const x = rng.int(0, image.width - c);
        const y = rng.int(0, image.height - c);
        await damagedFile.write(cropOf(print.damaged, print, x, y, c, 3));
        await cleanFile.write(cropOf(print.clean, print, x, y, c, 3));
        await maskFile.write(cropOf(print.mask, print, x, y, c, 1));
        count++;
      }
      onPhoto();
    }
  } finally {
    await Promise.all(files.map((f) => f.close()));
  }
  return count;
}

function cropOf(pixels: Uint8Array, print: DamagedPrint, x: number, y: number, size: number, channels: number): Uint8Array {
  const out = new Uint8Array(size * size * channels);
  for (let row = 0; row < size; row++) {
    const from = ((y + row) * print.width + x) * channels;
    out.set(pixels.subarray(from, from + size * channels), row * size * channels);
  }
  return out;
}
