import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { colorizeImageFile, DEFAULT_COLORIZE_MODEL } from '@revive/colorizer';
import type { ModelRuntime } from '@revive/model-runtime';

const ROW_HEIGHT = 240;
const GAP = 8;

/**
 * A PNG for a person to look at: each black-and-white photo beside its colorized version
 * (forced on, so toned prints are included), two pairs per row.
 */
export async function writeContactSheet(
  runtime: ModelRuntime,
  photos: readonly string[],
  outPath: string,
  modelId = DEFAULT_COLORIZE_MODEL,
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'revive-contact-'));
  try {
    const pairs: Buffer[] = [];
    for (const [i, photo] of photos.entries()) {
      const colorized = join(work, `${i}.png`);
      await colorizeImageFile(runtime, { inputPath: photo, outputPath: colorized, mode: 'on', modelId, maxInputPixels: 1e9, tmpDir: work });
      const before = await sharp(photo).rotate().resize({ height: ROW_HEIGHT }).toColourspace('srgb').png().toBuffer();
      const after = await sharp(colorized).resize({ height: ROW_HEIGHT }).png().toBuffer();
      const bw = (await sharp(before).metadata()).width!;
      const aw = (await sharp(after).metadata()).width!;
      pairs.push(
        await sharp({ create: { width: bw + aw + GAP, height: ROW_HEIGHT, channels: 3, background: '#ffffff' } })
          .composite([
            { input: before, left: 0, top: 0 },
            { input: after, left: bw + GAP, top: 0 },
          ])
          .png()
          .toBuffer(),
      );
      console.log(`  contact sheet: ${basename(photo)}`);
    }
    const widths = await Promise.all(pairs.map(async (p) => (await sharp(p).metadata()).width!));
    const columnWidth = Math.max(...widths);
    const rows = Math.ceil(pairs.length / 2);
    const overlays: OverlayOptions[] = pairs.map((input, i) => ({
      input,
      left: (i % 2) * (columnWidth + 3 * GAP),
      top: Math.floor(i / 2) * (ROW_HEIGHT + 3 * GAP),
    }));
    await sharp({ create: { width: 2 * columnWidth + 3 * GAP, height: rows * (ROW_HEIGHT + 3 * GAP), channels: 3, background: '#ffffff' } })
      .composite(overlays)
      .png()
      .toFile(outPath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
