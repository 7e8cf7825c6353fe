/** One video frame as packed 8-bit RGB (rgb24), the format ffmpeg pipes carry. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function assertSameSize(a: RgbFrame, b: RgbFrame): void {
  if (a.width !== b.width || a.height !== b.height)
    throw new RangeError(`frames differ in size: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  if (a.data.length !== a.width * a.height * 3 || b.data.length !== b.width * b.height * 3)
    throw new RangeError('frames must be packed rgb24');
}

export function copyFrame(f: RgbFrame): RgbFrame {
  return { width: f.width, height: f.height, data: f.data.slice() };
}
