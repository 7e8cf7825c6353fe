// `npm run device-pack -- [--mb 40] [--out .device-pack]`
// Copies what a GPU training run needs from ../shared/data into one folder small enough to travel
// to a lent GPU machine beside the working tree (64 MiB in all, the tracked tree included):
// Set5 and a subset of the photo corpus with its own manifest.csv, which train_sr.py and
// train_colorizer.py read with `--data`. The subset keeps every validation photo (so validation
// figures stay comparable with CPU runs) and takes training photos from each source in turn,
// so a budget cut removes some of every kind rather than a whole kind.
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@revive/config';
import { isValidationPhoto } from '@revive/contracts';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '40' }, out: { type: 'string', default: '.device-pack' } } });
const budgetBytes = Number(values.mb) * 1e6;
if (!Number.isFinite(budgetBytes) || budgetBytes <= 0) throw new Error(`--mb must be a positive number, got ${values.mb}`);
const shared = resolve(repoRoot, '../shared/data');
const out = resolve(repoRoot, values.out!);

const manifestText = await readFile(join(shared, 'photos/manifest.csv'), 'utf8').catch(() => {
  throw new Error(`no corpus at ${shared}/photos: the pack is built from ../shared/data beside the repo`);
});
const [header, ...lines] = manifestText.trimEnd().split('\n');
const rows = lines.map((line) => {
  const [file, source, original] = line.split(',');
  return { line, file: file!, source: source!, original: original! };
});
const sizes = new Map(await Promise.all(rows.map(async (r) => [r.file, (await stat(join(shared, 'photos', r.file))).size] as const)));

const validation = rows.filter((r) => isValidationPhoto(r.source, r.original));
const bySource = new Map<string, typeof rows>();
for (const r of rows) if (!isValidationPhoto(r.source, r.original)) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
const interleaved: typeof rows = [];
for (let i = 0; interleaved.length < rows.length - validation.length; i++) {
  for (const list of bySource.values()) if (list[i]) interleaved.push(list[i]!);
}

let used = validation.reduce((n, r) => n + sizes.get(r.file)!, 0);
const set5 = join(shared, 'sr/Set5');
const set5Files = await readdir(set5);
for (const f of set5Files) used += (await stat(join(set5, f))).size;
if (used > budgetBytes) throw new Error(`validation photos and Set5 alone take ${(used / 1e6).toFixed(1)} MB, over --mb ${values.mb}`);
const training: typeof rows = [];
for (const r of interleaved) {
  if (used + sizes.get(r.file)! > budgetBytes) break;
  used += sizes.get(r.file)!;
  training.push(r);
}

await rm(out, { recursive: true, force: true });
const kept = [...validation, ...training];
for (const r of kept) {
  await mkdir(dirname(join(out, 'photos', r.file)), { recursive: true });
  await copyFile(join(shared, 'photos', r.file), join(out, 'photos', r.file));
}
await writeFile(join(out, 'photos/manifest.csv'), `${[header, ...kept.map((r) => r.line)].join('\n')}\n`);
await mkdir(join(out, 'sr/Set5'), { recursive: true });
for (const f of set5Files) await copyFile(join(set5, f), join(out, 'sr/Set5', f));
console.log(
  `${out}: ${training.length} of ${interleaved.length} training photos, all ${validation.length} validation photos, Set5; ${(used / 1e6).toFixed(1)} MB`,
);
