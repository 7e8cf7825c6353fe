import { basename } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { memoryRasterSink, memoryRasterSource } from '@revive/image-io';
import { runTiled, type ModelRuntime } from '@revive/model-runtime';

const GAP = 8;

export interface SrContactSheetOptions {
  readonly runtime: ModelRuntime;
  readonly photos: readonly string[];
  readonly outPath: string;
  readonly scale: number;
  /** Model ids, one column each after the nearest-neighbour and bicubic columns. */
  readonly modelIds: readonly string[];
  /** Side of the centre crop taken from each photo, in input pixels. */
  readonly cropSide?: number;
  /** Photos are first reduced so their long side is at most this: old photos arrive small. */
  readonly maxLongSide?: number;
}

/**
 * A PNG for a person to look at: per photo one row of the same centre crop enlarged by nearest
 * neighbour (the pixels as they are), bicubic, then each model, so texture, grain and edges can
 * be compared side by side. Returns the column titles in order.
 */
export async function writeSrContactSheet(options: SrContactSheetOptions): Promise<string[]> {
  const { runtime, scale } = options;
  const side = options.cropSide ?? 96;
  const out = side * scale;
  const models = await Promise.all(options.modelIds.map((id) => runtime.load(id)));
  const rows: Buffer[] = [];
  for (const photo of options.photos) {
    const reduced = await sharp(photo)
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .resize({ width: options.maxLongSide ?? 480, height: options.maxLongSide ?? 480, fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer();
    const meta = await sharp(reduced).metadata();
    const s = Math.min(side, meta.width!, meta.height!);
    const crop = await sharp(reduced)
      .extract({ left: Math.floor((meta.width! - s) / 2), top: Math.floor((meta.height! - s) / 2), width: s, height: s })
      .raw()
      .toBuffer();
    const panels: Buffer[] = [];
    const raw = { raw: { width: s, height: s, channels: 3 as const } };
    panels.push(
      await sharp(crop, raw)
        .resize(s * scale, s * scale, { kernel: 'nearest' })
        .png()
        .toBuffer(),
    );
    panels.push(
      await sharp(crop, raw)
        .resize(s * scale, s * scale, { kernel: 'cubic' })
        .png()
        .toBuffer(),
    );
    for (const model of models) {
      const sink = memoryRasterSink(s * scale, s * scale, 3);
      await runTiled(model, memoryRasterSource(new Uint8Array(crop), s, s, 3), sink);
      panels.push(
        await sharp(Buffer.from(sink.pixels), { raw: { width: s * scale, height: s * scale, channels: 3 } })
          .png()
          .toBuffer(),
      );
    }
    rows.push(
      await sharp({ create: { width: panels.length * (out + GAP), height: out, channels: 3, background: '#ffffff' } })
        .composite(panels.map((input, i) => ({ input, left: i * (out + GAP), top: 0 })))
        .png()
        .toBuffer(),
    );
    console.log(`  sr contact sheet: ${basename(photo)}`);
  }
  const width = (2 + models.length) * (out + GAP);
  const overlays: OverlayOptions[] = rows.map((input, i) => ({ input, left: 0, top: i * (out + 3 * GAP) }));
  await sharp({ create: { width, height: rows.length * (out + 3 * GAP), channels: 3, background: '#ffffff' } })
    .composite(overlays)
    .png()
    .toFile(options.outPath);
  return ['nearest (input pixels)', 'bicubic', ...options.modelIds];
}
