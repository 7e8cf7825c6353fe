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
  if (starts(head, [0xff, 0xd8, 0xff])) return { kind: 'image', format: 'jpeg', mime: 'image/jpeg', extension: 'jpg' };
  if (starts(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { kind: 'image', format: 'png', mime: 'image/png', extension: 'png' };
  if (ascii(head, 0, 4) === 'GIF8') return { kind: 'image', format: 'gif', mime: 'image/gif', extension: 'gif' };
  if (starts(head, [0x49, 0x49, 0x2a, 0x00]) || starts(head, [0x4d, 0x4d, 0x00, 0x2a]))
    return { kind: 'image', format: 'tiff', mime: 'image/tiff', extension: 'tif' };
  if (ascii(head, 0, 4) === 'RIFF') {
    const form = ascii(head, 8, 12);
    if (form === 'WEBP') return { kind: 'image', format: 'webp', mime: 'image/webp', extension: 'webp' };
    if (form === 'AVI ') return { kind: 'video', format: 'avi', mime: 'video/x-msvideo', extension: 'avi' };
  }
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12).trim().toLowerCase();
    if (IMAGE_BRANDS.has(brand))
      return {
        kind: 'image',
        format: brand === 'avif' || brand === 'avis' ? 'avif' : 'heif',
        mime: brand.startsWith('avi') ? 'image/avif' : 'image/heic',
        extension: brand.startsWith('avi') ? 'avif' : 'heic',
      };
    if (brand === 'qt') return { kind: 'video', format: 'mov', mime: 'video/quicktime', extension: 'mov' };
    return { kind: 'video', format: 'mp4', mime: 'video/mp4', extension: 'mp4' };
  }
  if (starts(head, [0x1a, 0x45, 0xdf, 0xa3])) return { kind: 'video', format: 'matroska', mime: 'video/x-matroska', extension: 'mkv' };
  if (starts(head, [0x00, 0x00, 0x01, 0xba])) return { kind: 'video', format: 'mpeg', mime: 'video/mpeg', extension: 'mpg' };
  // MPEG transport stream: a sync byte every 188 bytes; needs the second packet to be sure.
  if (head[0] === 0x47 && head.length > 188 && head[188] === 0x47)
    return { kind: 'video', format: 'mpegts', mime: 'video/mp2t', extension: 'ts' };
  return undefined;
}
