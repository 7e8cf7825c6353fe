import { open, rm, rename } from 'node:fs/promises';
import { constants, crc32, createDeflate, type Deflate } from 'node:zlib';
import type { Channels, RasterSink } from './raster.ts';

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOUR_TYPE: Record<Channels, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };
const PAETH = 4;

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Writes a PNG row band by row band through a streaming deflate, so an upscaled
 * 100-megapixel result is never held in memory. The file appears under its final
 * name only when complete.
 */
export async function createPngSink(path: string, width: number, height: number, channels: Channels): Promise<RasterSink> {
  const partial = `${path}.partial`;
  const file = await open(partial, 'w');
  const stride = width * channels;
  let previous: Uint8Array = new Uint8Array(stride);
  let rowsWritten = 0;
  const deflate: Deflate = createDeflate({ level: 6, strategy: constants.Z_FILTERED });
  let pending: Promise<unknown> = Promise.resolve();
  let failure: Error | undefined;
  deflate.on('data', (data: Buffer) => {
    pending = pending.then(() => file.write(chunk('IDAT', data))).catch((e: Error) => (failure ??= e));
  });
  const ended = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, COLOUR_TYPE[channels], 0, 0, 0], 8);
  await file.write(Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr)]));

  const write = (data: Uint8Array) => new Promise<void>((resolve) => (deflate.write(data) ? resolve() : deflate.once('drain', resolve)));

  return {
    async writeRows(rows, count) {
      if (failure) throw failure;
      if (rowsWritten + count > height) throw new RangeError(`PNG has ${height} rows; ${rowsWritten + count} written`);
      const filtered = new Uint8Array(count * (stride + 1));
      for (let r = 0; r < count; r++) {
        const row = rows.subarray(r * stride, (r + 1) * stride);
        const out = r * (stride + 1);
        filtered[out] = PAETH;
        for (let i = 0; i < stride; i++) {
          const left = i >= channels ? row[i - channels]! : 0;
          const upLeft = i >= channels ? previous[i - channels]! : 0;
          filtered[out + 1 + i] = (row[i]! - paeth(left, previous[i]!, upLeft)) & 0xff;
        }
        previous = row;
      }
      // The last row must outlive the caller's buffer, which it may reuse.
      previous = previous.slice();
      rowsWritten += count;
      await write(filtered);
    },
    async end() {
      if (rowsWritten !== height) throw new Error(`PNG incomplete: ${rowsWritten} of ${height} rows written`);
      deflate.end();
      await ended;
      await pending;
      if (failure) throw failure;
      await file.write(chunk('IEND', new Uint8Array(0)));
      await file.close();
      await rename(partial, path);
    },
    async abort() {
      deflate.destroy();
      await file.close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}
