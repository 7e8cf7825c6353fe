import type { MediaKind } from '@revive/contracts';

/** What the first bytes of an upload say it is. */
export interface SniffedMedia {
  readonly kind: MediaKind;
  readonly format: string;
  readonly mime: string;
  readonly extension: string;
}

/** Bytes the sniffer needs from the start of a file. */
export const SNIFF_BYTES = 256;

/** Every format the sniffer recognises: what the gateway accepts, stores and serves. */
const FORMATS = {
  jpeg: { kind: 'image', format: 'jpeg', mime: 'image/jpeg', extension: 'jpg' },
  png: { kind: 'image', format: 'png', mime: 'image/png', extension: 'png' },
  gif: { kind: 'image', format: 'gif', mime: 'image/gif', extension: 'gif' },
  tiff: { kind: 'image', format: 'tiff', mime: 'image/tiff', extension: 'tif' },
  webp: { kind: 'image', format: 'webp', mime: 'image/webp', extension: 'webp' },
  avif: { kind: 'image', format: 'avif', mime: 'image/avif', extension: 'avif' },
  heif: { kind: 'image', format: 'heif', mime: 'image/heic', extension: 'heic' },
  avi: { kind: 'video', format: 'avi', mime: 'video/x-msvideo', extension: 'avi' },
  mov: { kind: 'video', format: 'mov', mime: 'video/quicktime', extension: 'mov' },
  mp4: { kind: 'video', format: 'mp4', mime: 'video/mp4', extension: 'mp4' },
  matroska: { kind: 'video', format: 'matroska', mime: 'video/x-matroska', extension: 'mkv' },
  mpeg: { kind: 'video', format: 'mpeg', mime: 'video/mpeg', extension: 'mpg' },
  mpegts: { kind: 'video', format: 'mpegts', mime: 'video/mp2t', extension: 'ts' },
} as const satisfies Record<string, SniffedMedia>;

/** The content types of the formats above: the only ones the gateway names when it serves an object. */
export const MEDIA_TYPES: ReadonlySet<string> = new Set(Object.values(FORMATS).map((f) => f.mime));

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
const starts = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((v, i) => b[at + i] === v);

const IMAGE_BRANDS = new Set(['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis']);

/**
 * Decides image or video from the content (magic bytes), never from the file name or the
 * declared type: a client can claim anything. Preprocess still decodes it fully; this only
 * routes the item and refuses obvious non-media early, before anything is stored. Only formats
 * preprocess can decode are recognised (no BMP: sharp cannot read it), so what the gateway
 * accepts here never fails later for its format alone.
 */
export function sniffMedia(head: Uint8Array): SniffedMedia | undefined {
  if (starts(head, [0xff, 0xd8, 0xff])) return FORMATS.jpeg;
  if (starts(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return FORMATS.png;
  if (ascii(head, 0, 4) === 'GIF8') return FORMATS.gif;
  if (starts(head, [0x49, 0x49, 0x2a, 0x00]) || starts(head, [0x4d, 0x4d, 0x00, 0x2a])) return FORMATS.tiff;
  if (ascii(head, 0, 4) === 'RIFF') {
    const form = ascii(head, 8, 12);
    if (form === 'WEBP') return FORMATS.webp;
    if (form === 'AVI ') return FORMATS.avi;
  }
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12).trim().toLowerCase();
    if (IMAGE_BRANDS.has(brand)) return brand === 'avif' || brand === 'avis' ? FORMATS.avif : FORMATS.heif;
    return brand === 'qt' ? FORMATS.mov : FORMATS.mp4;
  }
  if (starts(head, [0x1a, 0x45, 0xdf, 0xa3])) return FORMATS.matroska;
  if (starts(head, [0x00, 0x00, 0x01, 0xba])) return FORMATS.mpeg;
  // MPEG transport stream: a sync byte every 188 bytes; needs the second packet to be sure.
  if (head[0] === 0x47 && head.length > 188 && head[188] === 0x47) return FORMATS.mpegts;
  return undefined;
}
