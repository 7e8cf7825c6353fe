import { basename, extname, join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import type { ModelRuntime } from '@revive/model-runtime';
import { repairImageFile } from '@revive/repairer';

const GAP = 8;

/**
 * Real damaged prints before and after, at full size (a repair is judged on single pixels), one
 * pair per row: for a person to look at, since these prints have no clean originals to score.
 */
export async function writeRepairContactSheet(
  runtime: ModelRuntime,
  prints: readonly string[],
  outPath: string,
  work: string,
): Promise<void> {
  const rows: Array<{ input: Buffer; width: number; height: number }> = [];
  for (const [i, print] of prints.entries()) {
    const repaired = join(work, `sheet-${i}.png`);
    const result = await repairImageFile(runtime, {
      inputPath: print,
      outputPath: repaired,
      mode: 'on',
      maxInputPixels: 1e9,
      tmpDir: work,
    });
    const before = await sharp(print).rotate().toColourspace('srgb').removeAlpha().png().toBuffer();
    const after = result.repaired ? await sharp(repaired).removeAlpha().png().toBuffer() : before;
    const { width = 0, height = 0 } = await sharp(before).metadata();
    rows.push({
      input: await sharp({ create: { width: 2 * width + GAP, height, channels: 3, background: '#ffffff' } })
        .composite([
          { input: before, left: 0, top: 0 },
          { input: after, left: width + GAP, top: 0 },
        ])
        .png()
        .toBuffer(),
      width: 2 * width + GAP,
      height,
    });
    console.log(`  contact sheet: ${basename(print, extname(print))} (${(result.damagedFraction * 100).toFixed(2)} % filled)`);
  }
  const width = Math.max(...rows.map((r) => r.width));
  const height = rows.reduce((h, r) => h + r.height + GAP, 0);
  let top = 0;
  const layers: OverlayOptions[] = rows.map((r) => {
    const layer = { input: r.input, left: 0, top };
    top += r.height + GAP;
    return layer;
  });
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toFile(outPath);
}
