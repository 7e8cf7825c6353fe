// Full-range BT.601 YCbCr on gamma-encoded sRGB, the space Revive's colorizer works in:
// luma Y in [0, 1] carries all the detail and stays the original's; Cb, Cr in [-0.5, 0.5].

export function luma(r: number, g: number, b: number): number {
  return (0.299 * r + 0.587 * g + 0.114 * b) / 255;
}

/** Y (0–1) and chroma → 8-bit RGB written into `out` at `offset`, clamped to the gamut. */
export function ycbcrToRgb(y: number, cb: number, cr: number, out: Uint8Array, offset: number): void {
  const r = y + 1.402 * cr;
  const b = y + 1.772 * cb;
  const g = (y - 0.299 * r - 0.114 * b) / 0.587;
  out[offset] = clamp255(r * 255);
  out[offset + 1] = clamp255(g * 255);
  out[offset + 2] = clamp255(b * 255);
}

function clamp255(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** Chroma of one 8-bit RGB pixel. */
export function chroma(r: number, g: number, b: number): [cb: number, cr: number] {
  const y = luma(r, g, b);
  return [(b / 255 - y) / 1.772, (r / 255 - y) / 1.402];
}
