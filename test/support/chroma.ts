import sharp from 'sharp';

/** Mean |Cb-128| + |Cr-128| over the image: 0 for grey, clearly positive for a coloured picture. */
export async function chromaOf(bytes: Uint8Array): Promise<number> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    sum += Math.abs(-0.1687 * r - 0.3313 * g + 0.5 * b) + Math.abs(0.5 * r - 0.4187 * g - 0.0813 * b);
  }
  return sum / (info.width * info.height);
}
