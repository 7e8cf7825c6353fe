// eslint-disable-next-line no-control-regex
const safeName = (name: string) => name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();

/**
 * What a download is called: the item's own name with `.revive` before the new extension
 * (`grandma.jpg` as a WebP → `grandma.revive.webp`), as the page names its downloads. Path
 * separators and control characters go, so the name is safe as a header value and as a ZIP entry
 * (no `../` escape on unzipping).
 */
export function downloadName(filename: string, extension: string, copy = 1): string {
  const dot = filename.lastIndexOf('.');
  const stem = safeName(dot > 0 ? filename.slice(0, dot) : filename) || 'result';
  return `${stem}${copy > 1 ? ` (${copy})` : ''}.revive.${extension}`;
}

/** What the original downloads as: the name it was uploaded under, made as safe as `downloadName`'s. */
export function originalName(filename: string): string {
  return safeName(filename) || 'original';
}

/** Names every file of an archive uniquely: the second `grandma.revive.png` is `grandma (2).revive.png`. */
export function uniqueNamer(): (filename: string, extension: string) => string {
  const used = new Set<string>();
  return (filename, extension) => {
    let copy = 1;
    let name = downloadName(filename, extension);
    // Case-insensitive: two names differing only in case would overwrite each other on macOS and Windows.
    while (used.has(name.toLowerCase())) name = downloadName(filename, extension, ++copy);
    used.add(name.toLowerCase());
    return name;
  };
}

/**
 * `Content-Disposition: attachment` with the name in both forms: an ASCII fallback for old
 * clients, and RFC 6266's `filename*` carrying the UTF-8 name (`Großmutter.revive.jpg`).
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
