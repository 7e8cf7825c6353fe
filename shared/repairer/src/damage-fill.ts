import { roundUp, runFloat32, type LoadedModel } from '@revive/model-runtime';
import { columnTiles } from './damage-detection.ts';
import { fillMasked } from './telea-fill.ts';

/** How the masked pixels are filled: Telea's fast marching fill, or the learned inpainter. */
export type DamageFiller = { readonly kind: 'telea'; readonly radius: number } | { readonly kind: 'learned'; readonly model: LoadedModel };

/** Fills the masked pixels of a band in place, with Telea's fill or the learned inpainter. */
export async function fillDamage(
  filler: DamageFiller,
  pixels: Uint8Array,
  width: number,
  rows: number,
  channels: number,
  mask: Uint8Array,
): Promise<void> {
  if (!mask.some((v) => v)) return;
  if (filler.kind === 'telea') {
    fillMasked(pixels, width, rows, channels as 1 | 2 | 3 | 4, mask, { radius: filler.radius });
    return;
  }
  await fillLearned(filler.model, pixels, width, rows, channels, mask);
}

/** The learned inpainter over tiles across the band; only masked pixels take its output. */
async function fillLearned(
  model: LoadedModel,
  pixels: Uint8Array,
  width: number,
  rows: number,
  channels: number,
  mask: Uint8Array,
): Promise<void> {
  const multiple = model.manifest.tiling.sizeMultiple;
  const padH = roundUp(rows, multiple);
  // Tiles read their context columns, which the tile before may already have filled: read the band as it came.
  const source = pixels.slice();
  const colour = channels >= 3;
  for (const { core, coreEnd, x0, width: tw, paddedWidth: padW } of columnTiles(width, multiple)) {
    const plane = padH * padW;
    const image = new Float32Array(3 * plane);
    const holes = new Float32Array(plane);
    for (let y = 0; y < padH; y++) {
      const sy = Math.min(y, rows - 1);
      for (let x = 0; x < padW; x++) {
        const sx = x0 + Math.min(x, tw - 1);
        const p = (sy * width + sx) * channels;
        for (let c = 0; c < 3; c++) image[c * plane + y * padW + x] = source[colour ? p + c : p]! / 255;
        holes[y * padW + x] = mask[sy * width + sx] ? 1 : 0;
      }
    }
    const outputs = await runFloat32(model, {
      image: { data: image, dims: [1, 3, padH, padW] },
      mask: { data: holes, dims: [1, 1, padH, padW] },
    });
    const filled = outputs.filled ?? Object.values(outputs)[0]!;
    for (let y = 0; y < rows; y++) {
      for (let x = core; x < coreEnd; x++) {
        if (!mask[y * width + x]) continue;
        const p = (y * width + x) * channels;
        const q = y * padW + (x - x0);
        if (colour) for (let c = 0; c < 3; c++) pixels[p + c] = clampByte(filled.data[c * plane + q]! * 255);
        else pixels[p] = clampByte(((filled.data[q]! + filled.data[plane + q]! + filled.data[2 * plane + q]!) / 3) * 255);
      }
    }
  }
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
