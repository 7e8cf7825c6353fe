import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One photo of the training corpus (../shared/data/photos), as its manifest.csv lists it. */
export interface CorpusPhoto {
  /** Path relative to the corpus folder. */
  readonly file: string;
  readonly source: string;
  /** The source image it was cut from: crops of one original stay on one side of the split. */
  readonly original: string;
}

/**
 * The one train/validation split of the photo corpus: a photo is validation when
 * sha1("source/original") % 10 == 0. The training scripts apply the same rule
 * (scripts/training/revive_training.py), so no model is scored on a photo it learned from.
 */
export function isValidationPhoto(source: string, original: string): boolean {
  return BigInt(`0x${createHash('sha1').update(`${source}/${original}`).digest('hex')}`) % 10n === 0n;
}

/** Every photo of a corpus folder with a manifest.csv, in manifest order. */
export async function readPhotoCorpus(dir: string): Promise<CorpusPhoto[]> {
  const [header, ...lines] = (await readFile(join(dir, 'manifest.csv'), 'utf8')).trimEnd().split('\n');
  const cols = header!.split(',');
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${dir}/manifest.csv has no column ${name}`);
    return i;
  };
  const [file, source, original] = [at('file'), at('source'), at('original')];
  return lines.map((line) => {
    const row = line.split(',');
    return { file: row[file]!, source: row[source]!, original: row[original]! };
  });
}
