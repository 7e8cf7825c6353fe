/** An 8-bit image read a band of rows at a time, so large images never sit whole in memory. */
export interface RasterSource {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; samples interleaved. */
  readonly channels: 1 | 2 | 3 | 4;
  /** Rows [y0, y1) of the full width, interleaved. */
  readRows(y0: number, y1: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Receives an 8-bit image top to bottom, a band of rows at a time. */
export interface RasterSink {
  writeRows(rows: Uint8Array, count: number): Promise<void>;
  /** Flushes and closes; the image must be complete. */
  end(): Promise<void>;
  /** Abandons a partial image and removes what was written. */
  abort(): Promise<void>;
}

export type Channels = RasterSource['channels'];

export function assertChannels(n: number): Channels {
  if (n === 1 || n === 2 || n === 3 || n === 4) return n;
  throw new RangeError(`unsupported channel count ${n}`);
}

/** A source over pixels already in memory (small images, tests). */
export function memoryRasterSource(pixels: Uint8Array, width: number, height: number, channels: Channels): RasterSource {
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`buffer of ${pixels.length} bytes is not ${width}x${height}x${channels}`);
  }
  return {
    width,
    height,
    channels,
    readRows: async (y0, y1) => pixels.subarray(y0 * width * channels, y1 * width * channels),
    close: async () => {},
  };
}

/** A sink collecting pixels in memory (small images, tests). */
export function memoryRasterSink(width: number, height: number, channels: Channels): RasterSink & { readonly pixels: Uint8Array } {
  const pixels = new Uint8Array(width * height * channels);
  let offset = 0;
  return {
    pixels,
    writeRows: async (rows) => {
      pixels.set(rows, offset);
      offset += rows.length;
    },
    end: async () => {
      if (offset !== pixels.length) throw new Error(`image incomplete: ${offset} of ${pixels.length} bytes written`);
    },
    abort: async () => {},
  };
}
