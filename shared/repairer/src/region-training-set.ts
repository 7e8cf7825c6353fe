import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { isValidationPhoto, readPhotoCorpus } from '@revive/contracts';
import { readRgbPixels } from '@revive/image-io';
import type { LoadedModel } from '@revive/model-runtime';
import type { DamageFiller } from './damage-fill.ts';
import { DEFAULT_THRESHOLDS, detectionScaleFor, markAndFillBand } from './damage-repair.ts';
import { describeRegions, labelRegions, REGION_FEATURES } from './damage-regions.ts';
import { damagePrint, seededRandom, type DamageKind } from './synthetic-damage.ts';

/**
 * What filling a region did, against the clean print, after its features in each row: the change
 * of squared error over its pixels (negative helps), the whole damaged photo's squared error, and
 * over the region's pixels the damaged print's squared error and the cross term of the damaged
 * and filled errors. With those three a blend w of fill and print is scored exactly:
 * (1-w)²·damaged + w²·filled + 2w(1-w)·cross.
 */
export const REGION_OUTCOMES = ['sseChange', 'photoSse', 'damagedSse', 'crossSse'] as const;

/** Corpus photos are 256 px on the short side; nothing bigger is expected there. */
const CORPUS_MAX_PIXELS = 4096 * 4096;

export interface RegionTrainingSetOptions {
  readonly photosDir: string;
  readonly outDir: string;
  /** The detector whose regions the verifier will judge (the stage's). */
  readonly detector: LoadedModel;
  /** The fill whose effect it learns (the stage's). */
  readonly filler: DamageFiller;
  /** Training photos to use, spread evenly over the split. */
  readonly photos: number;
  readonly seed: number;
  /** The kinds of damage drawn; the generator's defaults (DAMAGE_KINDS) when absent. */
  readonly kinds?: readonly DamageKind[];
  readonly onPhoto?: (done: number, total: number) => void;
}

export interface RegionTrainingSetInfo {
  readonly photos: number;
  readonly regions: number;
  readonly features: readonly string[];
  readonly outcomes: readonly string[];
}

/**
 * Writes the verifier's training set, `regions.csv`: training photos damaged by the generator
 * and marked, filled and described as the stage does it (markAndFillBand, describeRegions), one row per marked
 * region with its REGION_FEATURES and its REGION_OUTCOMES, what filling it did against the
 * clean print, so the training can weigh each region by what it does to its own photo.
 */
export async function writeRegionTrainingSet(options: RegionTrainingSetOptions): Promise<RegionTrainingSetInfo> {
  const train = (await readPhotoCorpus(options.photosDir)).filter((p) => !isValidationPhoto(p.source, p.original));
  const step = Math.max(1, Math.floor(train.length / options.photos));
  const chosen = train.filter((_, i) => i % step === 0).slice(0, options.photos);
  await mkdir(options.outDir, { recursive: true });
  const out = createWriteStream(join(options.outDir, 'regions.csv'));
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  await write(['photo', ...REGION_FEATURES, ...REGION_OUTCOMES].join(','));
  let regionCount = 0;
  try {
    for (const [index, photo] of chosen.entries()) {
      const image = await readRgbPixels(join(options.photosDir, photo.file), CORPUS_MAX_PIXELS);
      const print = damagePrint(image.pixels, image.width, image.height, seededRandom(options.seed + index), { kinds: options.kinds });
      const { width, height, damaged, clean } = print;
      const scale = detectionScaleFor(width, height);
      const band = await markAndFillBand(damaged, width, height, 3, {
        detector: options.detector,
        filler: options.filler,
        thresholds: DEFAULT_THRESHOLDS,
        scale,
        top: 0,
      });
      const regions = labelRegions(band.mask, width, height);
      const features = describeRegions(
        { original: damaged, filled: band.filled, width, rows: height, channels: 3 },
        regions,
        band.detected,
        scale,
      );
      let photoSse = 0;
      for (let i = 0; i < damaged.length; i++) photoSse += (damaged[i]! - clean[i]!) ** 2;
      const damagedSse = new Float64Array(regions.count);
      const filledSse = new Float64Array(regions.count);
      const crossSse = new Float64Array(regions.count);
      for (let i = 0; i < regions.labels.length; i++) {
        const id = regions.labels[i]!;
        if (id < 0) continue;
        for (let c = 0; c < 3; c++) {
          const p = i * 3 + c;
          const left = damaged[p]! - clean[p]!;
          const fill = band.filled[p]! - clean[p]!;
          damagedSse[id] = damagedSse[id]! + left * left;
          filledSse[id] = filledSse[id]! + fill * fill;
          crossSse[id] = crossSse[id]! + left * fill;
        }
      }
      const f = REGION_FEATURES.length;
      for (let id = 0; id < regions.count; id++) {
        const row = Array.from(features.subarray(id * f, (id + 1) * f), (v) => +v.toPrecision(6));
        await write([index, ...row, filledSse[id]! - damagedSse[id]!, photoSse, damagedSse[id], crossSse[id]].join(','));
      }
      regionCount += regions.count;
      options.onPhoto?.(index + 1, chosen.length);
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  const info: RegionTrainingSetInfo = { photos: chosen.length, regions: regionCount, features: REGION_FEATURES, outcomes: REGION_OUTCOMES };
  await writeFile(join(options.outDir, 'meta.json'), `${JSON.stringify(info, null, 2)}\n`);
  return info;
}
