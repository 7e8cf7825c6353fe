// Telea's fast marching inpainting (A. Telea, "An Image Inpainting Technique Based on the Fast
// Marching Method", Journal of Graphics Tools 9(1), 2004), written from the paper.
//
// The hole is filled from its edge inward in order of the distance T to the edge: a fast marching
// front on a typed-array heap decides the order, and each pixel, as the front passes it, becomes
// the weighted mean of first-order estimates from the known pixels within the radius.

/** Options of `fillMasked`. */
export interface FillOptions {
  /** Radius in pixels of the known neighbourhood each filled pixel is estimated from (Telea's ε); default 5. */
  readonly radius?: number;
}

// KNOWN is 0 and T is 0 on known pixels, so freshly zeroed arrays describe the untouched image:
// no pass over the whole image to initialise them, and pages far from the mask are never written.
const KNOWN = 0;
const BAND = 1;
const INSIDE = 2;

// The paper's direction weight vanishes for neighbours across the normal; a small floor keeps
// every known neighbour in the mean so the weights never sum to zero.
const MIN_DIRECTION = 0.01;

/** Levels a filled value may lie beyond the known values it is estimated from. */
const RANGE_SLACK = 4;

/** Fills the masked pixels in place from their surroundings; every pixel outside the mask is left exactly as it was. */
export function fillMasked(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  mask: Uint8Array,
  options: FillOptions = {},
): number {
  const radius = options.radius ?? 5;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`image size must be whole non-negative numbers, got ${width}x${height}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) throw new RangeError(`channels must be 1 to 4, got ${channels}`);
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`pixels hold ${pixels.length} bytes, expected ${width}x${height}x${channels}`);
  }
  if (mask.length !== width * height) throw new RangeError(`mask holds ${mask.length} bytes, expected ${width}x${height}`);
  if (!Number.isFinite(radius) || radius < 1) throw new RangeError(`radius must be at least 1, got ${radius}`);

  const flags = new Uint8Array(width * height);
  const dist = new Float32Array(width * height);
  const band = new BandHeap();
  // The one pass over the whole image: mark the hole and seed the front with its masked pixels
  // that touch a known one, their T solved from known neighbours at T = 0.
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (mask[i] === 0) continue;
      flags[i] = INSIDE;
      dist[i] = Infinity;
      const knownLeftRight = (x > 0 && mask[i - 1] === 0) || (x < width - 1 && mask[i + 1] === 0);
      const knownAboveBelow = (y > 0 && mask[i - width] === 0) || (y < height - 1 && mask[i + width] === 0);
      if (knownLeftRight || knownAboveBelow) {
        const t = knownLeftRight && knownAboveBelow ? Math.SQRT1_2 : 1;
        flags[i] = BAND;
        dist[i] = t;
        band.push(i, t);
      }
    }
  }
  // With nothing known (everything masked) the heap is empty and nothing is touched.
  const filler = new NeighbourhoodFiller(pixels, width, height, channels, flags, dist, radius);
  let filled = 0;
  while (band.size > 0) {
    const p = band.pop();
    // A lowered T is pushed again rather than decreased in place (no position index the size of
    // the image); T only decreases, so a pixel's smallest key pops first and later copies are stale.
    if (flags[p] === KNOWN) continue;
    filler.fill(p);
    // Known only after its fill, so the fill's gradients never read the pixel's old value.
    flags[p] = KNOWN;
    filled++;
    const x = p % width;
    if (x > 0) relax(p - 1);
    if (x < width - 1) relax(p + 1);
    if (p >= width) relax(p - width);
    if (p < width * (height - 1)) relax(p + width);
  }
  return filled;

  function relax(k: number): void {
    if (flags[k] === KNOWN) return;
    const t = Math.fround(solveEikonal(flags, dist, width, height, k));
    if (t < dist[k]!) {
      dist[k] = t;
      flags[k] = BAND;
      band.push(k, t);
    }
  }
}

/** Upwind solution of |∇T| = 1 at pixel k from its known 4-neighbours (the paper's min over the four quadrants). */
function solveEikonal(flags: Uint8Array, dist: Float32Array, width: number, height: number, k: number): number {
  const x = k % width;
  let a = Infinity;
  let b = Infinity;
  if (x > 0 && flags[k - 1] === KNOWN) a = dist[k - 1]!;
  if (x < width - 1 && flags[k + 1] === KNOWN) a = Math.min(a, dist[k + 1]!);
  if (k >= width && flags[k - width] === KNOWN) b = dist[k - width]!;
  if (k < width * (height - 1) && flags[k + width] === KNOWN) b = Math.min(b, dist[k + width]!);
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  // One axis only, or the other too far behind to shape the front: a straight step.
  if (high - low >= 1) return low + 1;
  return (low + high + Math.sqrt(2 - (high - low) * (high - low))) / 2;
}

/** The disk of offsets within the radius, with the per-offset factors the weights need, computed once per call. */
class NeighbourhoodFiller {
  private readonly dx: Int32Array;
  private readonly dy: Int32Array;
  private readonly step: Int32Array;
  private readonly invLength: Float64Array;
  private readonly invLength2: Float64Array;
  private readonly reach: number;
  private readonly sums: Float64Array;
  /** Per channel, the darkest and brightest known value the current pixel is estimated from. */
  private readonly lowest: Uint8Array;
  private readonly highest: Uint8Array;

  constructor(
    private readonly pixels: Uint8Array,
    private readonly width: number,
    private readonly height: number,
    private readonly channels: number,
    private readonly flags: Uint8Array,
    private readonly dist: Float32Array,
    radius: number,
  ) {
    this.reach = Math.floor(radius);
    const dx: number[] = [];
    const dy: number[] = [];
    for (let j = -this.reach; j <= this.reach; j++) {
      for (let i = -this.reach; i <= this.reach; i++) {
        if ((i !== 0 || j !== 0) && i * i + j * j <= radius * radius) {
          dx.push(i);
          dy.push(j);
        }
      }
    }
    this.dx = Int32Array.from(dx);
    this.dy = Int32Array.from(dy);
    this.step = Int32Array.from(dx, (i, n) => dy[n]! * width + i);
    this.invLength2 = Float64Array.from(dx, (i, n) => 1 / (i * i + dy[n]! * dy[n]!));
    this.invLength = this.invLength2.map(Math.sqrt);
    this.sums = new Float64Array(channels);
    this.lowest = new Uint8Array(channels);
    this.highest = new Uint8Array(channels);
  }

  /** Sets pixel p to the weighted mean of I(q) + ∇I(q)·(p − q) over the known q within the radius. */
  fill(p: number): void {
    const { pixels, width, height, channels, flags, dist, dx, dy, step, invLength, invLength2, sums, lowest, highest } = this;
    const x = p % width;
    const y = (p - x) / width;
    const tp = dist[p]!;
    const nx = this.gradientT(p, 1, x > 0, x < width - 1);
    const ny = this.gradientT(p, width, y > 0, y < height - 1);
    const norm = Math.sqrt(nx * nx + ny * ny);
    // Where the front has no direction (a lone pixel, the middle of a thin line) every direction counts alike.
    const ux = norm > 0 ? nx / norm : 0;
    const uy = norm > 0 ? ny / norm : 0;
    // Away from the border the whole disk lies in the image and the bounds checks are skipped.
    const inner = x >= this.reach && x < width - this.reach && y >= this.reach && y < height - this.reach;
    const row = width * channels;
    sums.fill(0);
    lowest.fill(255);
    highest.fill(0);
    let total = 0;
    for (let n = 0; n < step.length; n++) {
      const ox = dx[n]!;
      const oy = dy[n]!;
      const qx = x + ox;
      const qy = y + oy;
      if (!inner && (qx < 0 || qx >= width || qy < 0 || qy >= height)) continue;
      const q = p + step[n]!;
      if (flags[q] !== KNOWN) continue;
      // Telea's direction weight on p − q = (−ox, −oy); its sign is dropped so known pixels on
      // both sides of a thin scratch count, as they should.
      const direction = norm > 0 ? Math.max(Math.abs(ox * ux + oy * uy) * invLength[n]!, MIN_DIRECTION) : 1;
      const weight = (direction * invLength2[n]!) / (1 + Math.abs(tp - dist[q]!));
      // Gradients of I at q from its known neighbours only (central, one-sided or none, as they
      // allow): the two samples and the factor along each axis are chosen once per q, so the
      // channel loop below has no branches. The factors fold in the offset, ∇I(q)·(p − q).
      const left = qx > 0 && flags[q - 1] === KNOWN;
      const right = qx < width - 1 && flags[q + 1] === KNOWN;
      const up = qy > 0 && flags[q - width] === KNOWN;
      const down = qy < height - 1 && flags[q + width] === KNOWN;
      const xAfter = right ? channels : 0;
      const xBefore = left ? channels : 0;
      const yAfter = down ? row : 0;
      const yBefore = up ? row : 0;
      const fx = (left && right ? 0.5 : 1) * ox;
      const fy = (up && down ? 0.5 : 1) * oy;
      for (let c = 0, at = q * channels; c < channels; c++, at++) {
        const gx = pixels[at + xAfter]! - pixels[at - xBefore]!;
        const gy = pixels[at + yAfter]! - pixels[at - yBefore]!;
        sums[c]! += weight * (pixels[at]! - fx * gx - fy * gy);
        if (pixels[at]! < lowest[c]!) lowest[c] = pixels[at]!;
        if (pixels[at]! > highest[c]!) highest[c] = pixels[at]!;
      }
      total += weight;
    }
    // p entered the band from a known 4-neighbour, so total > 0 whenever radius ≥ 1.
    if (total === 0) return;
    // The first-order estimates overshoot beside a sharp edge (the bright halo a detector left
    // outside a crack, say): a fill stays within the values it is estimated from, so it can never
    // paint a mark darker, brighter or more coloured than anything around it. A few levels of
    // slack keep a smooth gradient running on past the known pixels (a hole at the border).
    for (let c = 0, at = p * channels; c < channels; c++, at++) {
      const v = Math.min(highest[c]! + RANGE_SLACK, Math.max(lowest[c]! - RANGE_SLACK, sums[c]! / total));
      pixels[at] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }

  /** ∂T at p along one axis from neighbours whose T is set (known or on the front). */
  private gradientT(p: number, stride: number, hasBefore: boolean, hasAfter: boolean): number {
    const before = hasBefore && this.flags[p - stride] !== INSIDE;
    const after = hasAfter && this.flags[p + stride] !== INSIDE;
    const dist = this.dist;
    if (before && after) return (dist[p + stride]! - dist[p - stride]!) / 2;
    if (after) return dist[p + stride]! - dist[p]!;
    if (before) return dist[p]! - dist[p - stride]!;
    return 0;
  }
}

/** Binary min-heap of pixel indices keyed by T, on typed arrays that double when full. */
class BandHeap {
  private keys = new Float32Array(1024);
  private items = new Int32Array(1024);
  size = 0;

  push(item: number, key: number): void {
    if (this.size === this.items.length) {
      const keys = new Float32Array(this.size * 2);
      const items = new Int32Array(this.size * 2);
      keys.set(this.keys);
      items.set(this.items);
      [this.keys, this.items] = [keys, items];
    }
    const { keys, items } = this;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      items[i] = items[parent]!;
      i = parent;
    }
    keys[i] = key;
    items[i] = item;
  }

  /** Removes and returns the item with the smallest key; the heap must not be empty. */
  pop(): number {
    const { keys, items } = this;
    const top = items[0]!;
    const last = --this.size;
    const key = keys[last]!;
    const item = items[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && keys[child + 1]! < keys[child]!) child++;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      items[i] = items[child]!;
      i = child;
    }
    keys[i] = key;
    items[i] = item;
    return top;
  }
}
