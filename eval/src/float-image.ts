import sharp from 'sharp';

/** An interleaved image of float samples on the 0–255 scale, for metric arithmetic. */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float64Array;
}

export function createFloatImage(width: number, height: number, channels: number, data?: ArrayLike<number>): FloatImage {
  const size = width * height * channels;
  if (data && data.length !== size) throw new RangeError(`${data.length} samples is not ${width}x${height}x${channels}`);
  return { width, height, channels, data: data ? Float64Array.from(data) : new Float64Array(size) };
}

/** Reads any image sharp decodes as 8-bit sRGB, alpha dropped. */
export async function readRgbImage(path: string): Promise<FloatImage> {
  const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return createFloatImage(info.width, info.height, info.channels, data);
}

/** Rounds and clamps to 8-bit, as an image file would store the samples. */
export function quantize(image: FloatImage): Uint8Array {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = image.data[i]!;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

/** Crops right and bottom so both sides are a multiple of `multiple` (the SR protocol's modcrop). */
export function cropToMultiple(image: FloatImage, multiple: number): FloatImage {
  const width = image.width - (image.width % multiple);
  const height = image.height - (image.height % multiple);
  return crop(image, 0, 0, width, height);
}

export function crop(image: FloatImage, left: number, top: number, width: number, height: number): FloatImage {
  if (left < 0 || top < 0 || left + width > image.width || top + height > image.height || width <= 0 || height <= 0) {
    throw new RangeError(`crop ${width}x${height}+${left}+${top} is outside ${image.width}x${image.height}`);
  }
  const out = createFloatImage(width, height, image.channels);
  const c = image.channels;
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * c;
    out.data.set(image.data.subarray(from, from + width * c), y * width * c);
  }
  return out;
}

export async function writePng(path: string, image: FloatImage): Promise<void> {
  const channels = image.channels as 1 | 2 | 3 | 4;
  await sharp(quantize(image), { raw: { width: image.width, height: image.height, channels } })
    .png()
    .toFile(path);
}
