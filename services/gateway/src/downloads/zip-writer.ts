import { crc32 } from 'node:zlib';

/** One file of an archive: its name inside it, its time, and its bytes, opened only when its turn comes. */
export interface ZipEntry {
  readonly name: string;
  readonly modified: Date;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

/** An entry's bytes passed the 4 GiB a data descriptor of this writer can state. */
export class ZipEntryTooLargeError extends Error {
  override readonly name = 'ZipEntryTooLargeError';
  readonly retryable = false;
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/** Bit 3: sizes and CRC follow the data (it is streamed); bit 11: names are UTF-8. */
const FLAGS = 0x0808;
const STORE = 0;

/** MS-DOS date and time, the only ones every unzip reads; local wall-clock time, two-second steps. */
function dosDateTime(at: Date): { time: number; date: number } {
  const year = Math.min(Math.max(at.getFullYear(), 1980), 2107);
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | Math.floor(at.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  };
}

interface Written {
  name: Buffer;
  time: number;
  date: number;
  crc: number;
  size: number;
  offset: number;
}

function localHeader(name: Buffer, time: number, date: number): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(FLAGS, 6);
  h.writeUInt16LE(STORE, 8);
  h.writeUInt16LE(time, 10);
  h.writeUInt16LE(date, 12);
  // CRC and sizes (14–25) are zero here: the data descriptor after the bytes states them.
  h.writeUInt16LE(name.length, 26);
  return Buffer.concat([h, name]);
}

function dataDescriptor(crc: number, size: number): Buffer {
  const d = Buffer.alloc(16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(crc, 4);
  d.writeUInt32LE(size, 8);
  d.writeUInt32LE(size, 12);
  return d;
}

/** A central directory record; an offset past 4 GiB goes in a ZIP64 extra field. */
function centralRecord(e: Written): Buffer {
  const zip64 = e.offset >= MAX32;
  const extra = Buffer.alloc(zip64 ? 12 : 0);
  if (zip64) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(8, 2);
    extra.writeBigUInt64LE(BigInt(e.offset), 4);
  }
  const c = Buffer.alloc(46);
  c.writeUInt32LE(0x02014b50, 0);
  c.writeUInt16LE((3 << 8) | 45, 4); // made by Unix, spec 4.5
  c.writeUInt16LE(zip64 ? 45 : 20, 6);
  c.writeUInt16LE(FLAGS, 8);
  c.writeUInt16LE(STORE, 10);
  c.writeUInt16LE(e.time, 12);
  c.writeUInt16LE(e.date, 14);
  c.writeUInt32LE(e.crc, 16);
  c.writeUInt32LE(e.size, 20);
  c.writeUInt32LE(e.size, 24);
  c.writeUInt16LE(e.name.length, 28);
  c.writeUInt16LE(extra.length, 30);
  // comment length, disk, internal attributes: 0
  c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  c.writeUInt32LE(zip64 ? MAX32 : e.offset, 42);
  return Buffer.concat([c, e.name, extra]);
}

/** The end records: ZIP64 ones first when the count or the directory's place passes the classic fields. */
function endRecords(count: number, dirOffset: number, dirSize: number): Buffer {
  const parts: Buffer[] = [];
  const zip64 = count >= MAX16 || dirOffset >= MAX32 || dirSize >= MAX32;
  if (zip64) {
    const r = Buffer.alloc(56);
    r.writeUInt32LE(0x06064b50, 0);
    r.writeBigUInt64LE(44n, 4);
    r.writeUInt16LE(45, 12);
    r.writeUInt16LE(45, 14);
    r.writeBigUInt64LE(BigInt(count), 24);
    r.writeBigUInt64LE(BigInt(count), 32);
    r.writeBigUInt64LE(BigInt(dirSize), 40);
    r.writeBigUInt64LE(BigInt(dirOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(dirOffset + dirSize), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(r, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, MAX16), 8);
  end.writeUInt16LE(Math.min(count, MAX16), 10);
  end.writeUInt32LE(Math.min(dirSize, MAX32), 12);
  end.writeUInt32LE(Math.min(dirOffset, MAX32), 16);
  parts.push(end);
  return Buffer.concat(parts);
}

/**
 * A ZIP archive of `entries`, yielded as it is written: each entry's bytes pass through as they
 * are read (stored, not deflated: PNG, JPEG, WebP and MP4 are compressed already), so nothing
 * holds more than a chunk of it, whatever its size. Only the central directory (a few dozen
 * bytes an entry) is kept to the end. Archives past 4 GiB get ZIP64 offsets; a single entry of
 * 4 GiB or more is refused (ZipEntryTooLargeError), as its streamed sizes would not fit.
 */
export async function* zipStream(entries: Iterable<ZipEntry> | AsyncIterable<ZipEntry>): AsyncGenerator<Uint8Array> {
  const written: Written[] = [];
  let offset = 0;
  for await (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const { time, date } = dosDateTime(entry.modified);
    const header = localHeader(name, time, date);
    const record: Written = { name, time, date, crc: 0, size: 0, offset };
    const body = await entry.open();
    yield header;
    for await (const chunk of body) {
      record.crc = crc32(chunk, record.crc);
      record.size += chunk.length;
      if (record.size >= MAX32) throw new ZipEntryTooLargeError(`${entry.name} is 4 GiB or more`);
      yield chunk;
    }
    yield dataDescriptor(record.crc, record.size);
    offset += header.length + record.size + 16;
    written.push(record);
  }
  const directory = Buffer.concat(written.map(centralRecord));
  yield directory;
  yield endRecords(written.length, offset, directory.length);
}
