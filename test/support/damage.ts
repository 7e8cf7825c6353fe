import sharp from 'sharp';

/** A picture's pixels as packed RGB24, from a file or from bytes fetched. */
export async function rgbOf(input: string | Uint8Array): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(input).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** Levels of change a person sees as a mark on a print: the damage generator's own threshold. */
const VISIBLE = 40;

const difference = (a: Uint8Array, b: Uint8Array, p: number) =>
  Math.max(Math.abs(a[p]! - b[p]!), Math.abs(a[p + 1]! - b[p + 1]!), Math.abs(a[p + 2]! - b[p + 2]!));

/**
 * How far a picture is from the clean print where the damage was drawn: the pixels where the
 * damaged print differs visibly from the clean one, and the mean difference from clean there of
 * the damaged input and of the picture (a perfect repair scores 0, doing nothing scores `input`).
 */
export function errorAlongDamage(
  clean: Uint8Array,
  damaged: Uint8Array,
  picture: Uint8Array,
): { pixels: number; input: number; picture: number } {
  let pixels = 0;
  let input = 0;
  let left = 0;
  for (let p = 0; p < clean.length; p += 3) {
    const drawn = difference(damaged, clean, p);
    if (drawn <= VISIBLE) continue;
    pixels += 1;
    input += drawn;
    left += difference(picture, clean, p);
  }
  return { pixels, input: input / pixels, picture: left / pixels };
}
