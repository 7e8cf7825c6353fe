// Synthetic damage for old prints: what the detector is trained on and what the repair eval
// scores against. No clean originals exist for real damaged prints, so the generator imitates
// what they show (../shared/data/damaged): bright branching cracks where the emulsion split,
// long thin scratches (bright and dark), dust and specks, hairs, torn edges and missing
// corners, and water stains whose dark tide line is damage while the faint tint inside is not.
// The photo is first toned like an old print (grey, sepia or faded colour) and given film grain;
// that toned photo is the clean target, so only the drawn damage separates the two.

/** A seeded generator, so a training set or an eval set is the same on every machine. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** Standard normal. */
  normal(): number;
  chance(p: number): boolean;
}

/** mulberry32: small, fast and good enough for drawing damage; not for anything secret. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    chance: (p) => next() < p,
  };
}

/** The tones old prints come in. */
export type PrintTone = 'grey' | 'sepia' | 'colour';

/** The kinds of damage drawn, for picking a subset (tests, the eval's calibration). */
export type DamageKind = 'crack' | 'scratch' | 'dust' | 'hair' | 'tear' | 'stain' | 'craquelure';
/**
 * What damagePrint draws unless told otherwise: the fixed eval set and detectors v1–v4 were made
 * with these, and a kind added later draws only when asked, so their draws stay the same.
 */
export const DAMAGE_KINDS: readonly DamageKind[] = ['crack', 'scratch', 'dust', 'hair', 'tear', 'stain'];
/** Every kind, craquelure included: what detectors from v5 learn from. */
export const ALL_DAMAGE_KINDS: readonly DamageKind[] = [...DAMAGE_KINDS, 'craquelure'];

export interface DamageOptions {
  readonly tone?: PrintTone;
  readonly kinds?: readonly DamageKind[];
  /** 0 draws no damage at all (a clean print, to check the detector leaves it alone); 1 typical; 2 heavy. */
  readonly severity?: number;
  readonly grain?: boolean;
  /** Keep the photo's own tone (video frames: a tone drawn per frame would itself flicker). */
  readonly keepTone?: boolean;
  /**
   * A film's line scratch: a full-height vertical line at this column, the same in every frame
   * it is passed for (the projector's gate scratching the reel), unlike dust and scratches.
   */
  readonly lineScratchX?: number;
}

/** A print before and after damage, RGB interleaved, and the damage mask (255 where damaged). */
export interface DamagedPrint {
  readonly width: number;
  readonly height: number;
  readonly clean: Uint8Array;
  readonly damaged: Uint8Array;
  readonly mask: Uint8Array;
  readonly tone: PrintTone;
}

/** A stroke's coverage below this does not count as damage: the faint fringe of an anti-aliased line. */
const MASK_COVERAGE = 0.3;
/** Levels of change a person sees as a mark on a print; the tint inside a water stain stays below it. */
const VISIBLE_CHANGE = 40;

/** Tones the photo like an old print, adds grain, then draws damage on a copy and records where. */
export function damagePrint(rgb: Uint8Array, width: number, height: number, rng: Random, options: DamageOptions = {}): DamagedPrint {
  if (rgb.length !== width * height * 3) throw new RangeError(`expected ${width}x${height} RGB, got ${rgb.length} bytes`);
  const tone = options.tone ?? (['grey', 'sepia', 'colour'] as const)[rng.int(0, 2)]!;
  const clean = options.keepTone ? rgb.slice() : tonePrint(rgb, tone, rng);
  if (options.grain ?? rng.chance(0.7)) addGrain(clean, rng.range(1.5, 6), rng);
  const canvas = new Canvas(width, height, clean.slice());
  const severity = options.severity ?? rng.range(0.5, 1.6);
  const kinds = new Set(options.kinds ?? DAMAGE_KINDS);
  const paper = paperColour(tone, rng);
  if (severity > 0) {
    const scale = Math.sqrt((width * height) / (256 * 384));
    const count = (base: number) => Math.round(base * severity * scale * rng.range(0.4, 1.4));
    if (kinds.has('stain') && rng.chance(0.25 * severity)) drawStain(canvas, rng);
    if (kinds.has('crack')) for (let i = count(rng.chance(0.6) ? 2.5 : 0.6); i > 0; i--) drawCrack(canvas, rng, paper);
    if (kinds.has('scratch')) for (let i = count(rng.chance(0.6) ? 2.5 : 0.5); i > 0; i--) drawScratch(canvas, rng);
    if (kinds.has('dust')) for (let i = count(rng.chance(0.7) ? 40 : 5); i > 0; i--) drawSpeck(canvas, rng);
    if (kinds.has('hair')) for (let i = count(rng.chance(0.4) ? 2 : 0); i > 0; i--) drawHair(canvas, rng);
    if (kinds.has('tear') && rng.chance(0.2 * severity)) drawTear(canvas, rng, paper);
    if (kinds.has('craquelure') && rng.chance(0.4 * severity)) drawCraquelure(canvas, rng, paper);
  }
  if (options.lineScratchX !== undefined) drawLineScratch(canvas, options.lineScratchX, rng);
  markVisibleChange(canvas, clean);
  return { width, height, clean, damaged: canvas.pixels, mask: canvas.mask, tone };
}

/** Faint fringes that overlap add up: whatever ended up visibly changed is damage, however it got there. */
function markVisibleChange(c: Canvas, clean: Uint8Array): void {
  for (let i = 0; i < c.mask.length; i++) {
    if (c.mask[i]) continue;
    const p = i * 3;
    const change = Math.max(
      Math.abs(c.pixels[p]! - clean[p]!),
      Math.abs(c.pixels[p + 1]! - clean[p + 1]!),
      Math.abs(c.pixels[p + 2]! - clean[p + 2]!),
    );
    if (change > VISIBLE_CHANGE) c.mask[i] = 255;
  }
}

function tonePrint(rgb: Uint8Array, tone: PrintTone, rng: Random): Uint8Array {
  const out = new Uint8Array(rgb.length);
  // Old prints lose contrast and lift their blacks; a little, so the photo is still the photo.
  const contrast = rng.range(0.8, 1);
  const lift = rng.range(0, 25);
  const sepia = [rng.range(1.05, 1.15), rng.range(0.95, 1.02), rng.range(0.75, 0.88)];
  const fade = rng.range(0.5, 0.9);
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i]!;
    const g = rgb[i + 1]!;
    const b = rgb[i + 2]!;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    let c: [number, number, number];
    if (tone === 'grey') c = [y, y, y];
    else if (tone === 'sepia') c = [y * sepia[0]!, y * sepia[1]!, y * sepia[2]!];
    else c = [y + (r - y) * fade, y + (g - y) * fade, y + (b - y) * fade];
    for (let k = 0; k < 3; k++) out[i + k] = clampByte(lift + c[k]! * contrast);
  }
  return out;
}

function addGrain(pixels: Uint8Array, sigma: number, rng: Random): void {
  for (let i = 0; i < pixels.length; i += 3) {
    // Silver grain is mostly luminance: one draw for the three channels.
    const n = rng.normal() * sigma;
    for (let k = 0; k < 3; k++) pixels[i + k] = clampByte(pixels[i + k]! + n);
  }
}

type Rgb = readonly [number, number, number];

/** What shows through where the emulsion is gone: the paper base, cream for sepia prints. */
function paperColour(tone: PrintTone, rng: Random): Rgb {
  const v = rng.range(215, 250);
  return tone === 'grey' ? [v, v, v] : [v, v * rng.range(0.93, 0.98), v * rng.range(0.8, 0.9)];
}

/** The damaged picture being drawn and its mask; strokes blend by coverage like an anti-aliased pen. */
class Canvas {
  readonly mask: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    readonly pixels: Uint8Array,
  ) {
    this.mask = new Uint8Array(width * height);
  }

  /** Blends `colour` into pixel (x, y) with weight `alpha`; marks it damaged when `alpha` is visible. */
  paint(x: number, y: number, colour: Rgb, alpha: number, masked = true): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = y * this.width + x;
    const a = Math.min(1, alpha);
    for (let k = 0; k < 3; k++) this.pixels[i * 3 + k] = clampByte(this.pixels[i * 3 + k]! * (1 - a) + colour[k]! * a);
    if (masked && a >= MASK_COVERAGE) this.mask[i] = 255;
  }

  /** Scales pixel (x, y) towards `colour` by `amount` without marking it (tints, fading). */
  tint(x: number, y: number, colour: Rgb, amount: number): void {
    this.paint(x, y, colour, amount, false);
  }

  /** A segment of width `w`, its edge soft over `soft` pixels (one: a crisp pen; more: a soft scan). */
  segment(x0: number, y0: number, x1: number, y1: number, w: number, colour: Rgb, alpha: number, soft = 1): void {
    const r = w / 2;
    const minX = Math.floor(Math.min(x0, x1) - r - soft);
    const maxX = Math.ceil(Math.max(x0, x1) + r + soft);
    const minY = Math.floor(Math.min(y0, y1) - r - soft);
    const maxY = Math.ceil(Math.max(y0, y1) + r + soft);
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy || 1;
    for (let y = Math.max(0, minY); y <= Math.min(this.height - 1, maxY); y++) {
      for (let x = Math.max(0, minX); x <= Math.min(this.width - 1, maxX); x++) {
        const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2));
        const d = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
        const coverage = Math.max(0, Math.min(1, (r + soft / 2 - d) / soft));
        if (coverage > 0) this.paint(x, y, colour, coverage * alpha);
      }
    }
  }

  disc(cx: number, cy: number, radius: number, colour: Rgb, alpha: number): void {
    for (let y = Math.floor(cy - radius - 1); y <= Math.ceil(cy + radius + 1); y++) {
      for (let x = Math.floor(cx - radius - 1); x <= Math.ceil(cx + radius + 1); x++) {
        const coverage = Math.max(0, Math.min(1, radius + 0.5 - Math.hypot(x - cx, y - cy)));
        if (coverage > 0) this.paint(x, y, colour, coverage * alpha);
      }
    }
  }
}

function randomPoint(c: Canvas, rng: Random): [number, number] {
  return [rng.range(0, c.width), rng.range(0, c.height)];
}

/** A point on the border, where cracks and tears usually start. */
function edgePoint(c: Canvas, rng: Random): [number, number] {
  const side = rng.int(0, 3);
  return side === 0
    ? [rng.range(0, c.width), 0]
    : side === 1
      ? [c.width - 1, rng.range(0, c.height)]
      : side === 2
        ? [rng.range(0, c.width), c.height - 1]
        : [0, rng.range(0, c.height)];
}

/** A crack: a jagged walk that branches; bright paper shows through, edges sometimes darker. */
function drawCrack(c: Canvas, rng: Random, paper: Rgb): void {
  const width = rng.range(0.8, 2.6);
  const alpha = rng.range(0.6, 1);
  const darkEdge = rng.chance(0.35);
  const walk = (x: number, y: number, angle: number, length: number, w: number, depth: number) => {
    const step = rng.range(2, 4);
    for (let travelled = 0; travelled < length; travelled += step) {
      // Cracks wander but keep a direction: small random turns, now and then a sharp kink.
      angle += rng.normal() * 0.25 + (rng.chance(0.05) ? rng.range(-0.9, 0.9) : 0);
      const nx = x + Math.cos(angle) * step;
      const ny = y + Math.sin(angle) * step;
      if (darkEdge) c.segment(x, y, nx, ny, w + 1.5, [40, 35, 30], alpha * 0.35);
      c.segment(x, y, nx, ny, w, paper, alpha);
      x = nx;
      y = ny;
      if (x < -5 || y < -5 || x > c.width + 5 || y > c.height + 5) return;
      if (depth < 3 && rng.chance(0.025))
        walk(x, y, angle + rng.range(0.5, 1.3) * (rng.chance(0.5) ? 1 : -1), length * 0.4, w * 0.7, depth + 1);
    }
  };
  const [x, y] = rng.chance(0.6) ? edgePoint(c, rng) : randomPoint(c, rng);
  const towardsCentre = Math.atan2(c.height / 2 - y, c.width / 2 - x) + rng.range(-0.8, 0.8);
  walk(x, y, towardsCentre, rng.range(0.3, 1.1) * Math.max(c.width, c.height), width, 0);
}

/**
 * Craquelure: over part of the print the emulsion has crazed into a network of cells whose
 * edges are cracks meeting at angles, with flakes lost here and there, and a scan has softened
 * it all: the cracked portraits of ../shared/data/damaged, which the single sharp cracks above
 * do not resemble. The cells are those of seeds on a jittered grid (a crack where the two
 * nearest seeds are equally near), wobbled, and left out in patches so the network has gaps.
 */
function drawCraquelure(c: Canvas, rng: Random, paper: Rgb): void {
  const cell = rng.range(10, 30);
  const reach = rng.range(0.25, 0.7) * Math.max(c.width, c.height);
  const [cx, cy] = rng.chance(0.5) ? edgePoint(c, rng) : randomPoint(c, rng);
  const width = rng.range(0.7, 1.8);
  const soft = rng.range(1, 2.2);
  const alpha = rng.range(0.5, 0.9);
  const shadow = rng.chance(0.5);
  const gaps = rng.range(0, 0.35);
  const phase = Array.from({ length: 6 }, () => rng.range(0, 2 * Math.PI));
  const gw = Math.ceil(c.width / cell) + 2;
  const gh = Math.ceil(c.height / cell) + 2;
  const seeds = new Float32Array(gw * gh * 2);
  for (let g = 0; g < gw * gh; g++) {
    seeds[2 * g] = ((g % gw) - 1 + rng.next()) * cell;
    seeds[2 * g + 1] = (Math.floor(g / gw) - 1 + rng.next()) * cell;
  }
  const half = width / 2;
  for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(c.height, Math.ceil(cy + reach)); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x < Math.min(c.width, Math.ceil(cx + reach)); x++) {
      const fall = Math.hypot(x - cx, y - cy) / reach;
      const patch = 0.5 + 0.5 * Math.sin(x / 23 + phase[0]!) * Math.sin(y / 19 + phase[1]!);
      if (fall >= 1 || patch < gaps + 0.6 * fall * fall) continue;
      const px = x + 2 * Math.sin(y / 7 + phase[2]!) + 1.2 * Math.sin(y / 3.1 + phase[3]!);
      const py = y + 2 * Math.sin(x / 6 + phase[4]!) + 1.2 * Math.sin(x / 2.9 + phase[5]!);
      const gx = Math.floor(px / cell) + 1;
      const gy = Math.floor(py / cell) + 1;
      let d1 = Infinity;
      let d2 = Infinity;
      for (let ny = Math.max(0, gy - 1); ny <= Math.min(gh - 1, gy + 1); ny++) {
        for (let nx = Math.max(0, gx - 1); nx <= Math.min(gw - 1, gx + 1); nx++) {
          const g = ny * gw + nx;
          const d = Math.hypot(px - seeds[2 * g]!, py - seeds[2 * g + 1]!);
          if (d < d1) [d1, d2] = [d, d1];
          else if (d < d2) d2 = d;
        }
      }
      const edge = (d2 - d1) / 2;
      const coverage = Math.max(0, Math.min(1, (half + soft / 2 - edge) / soft));
      if (coverage > 0) c.paint(x, y, paper, coverage * alpha);
      else if (shadow && edge < half + soft / 2 + 1.2) c.paint(x, y, [40, 32, 26], alpha * 0.3);
    }
  }
  // Flakes of emulsion lost along the network.
  for (let f = rng.int(0, 4); f > 0; f--) {
    const [x, y] = [cx + rng.normal() * reach * 0.3, cy + rng.normal() * reach * 0.3];
    const r = rng.range(1.5, 4.5);
    c.disc(x, y, r, paper, alpha);
    c.disc(x + rng.normal() * r, y + rng.normal() * r, r * 0.7, paper, alpha);
  }
}

/** A scratch: long, thin and nearly straight (a gentle curve), bright or dark, fading in and out. */
function drawScratch(c: Canvas, rng: Random): void {
  const bright = rng.chance(0.7);
  const colour: Rgb = bright ? [245, 245, 240] : [15, 15, 15];
  const width = rng.chance(0.7) ? rng.range(0.7, 1.3) : rng.range(1.3, 2.2);
  const [x0, y0] = randomPoint(c, rng);
  const angle = rng.chance(0.3) ? Math.PI / 2 + rng.normal() * 0.05 : rng.range(0, Math.PI);
  const length = rng.range(0.3, 1) * Math.hypot(c.width, c.height);
  const bend = rng.normal() * 0.002;
  const strength = rng.range(0.5, 1);
  let [x, y] = [x0, y0];
  let a = angle;
  for (let t = 0; t < length; t += 3) {
    a += bend * 3;
    const nx = x + Math.cos(a) * 3;
    const ny = y + Math.sin(a) * 3;
    // Pressure varies along a scratch, and it lifts off the print now and then.
    const along = Math.sin((Math.PI * t) / length);
    if (!rng.chance(0.04)) c.segment(x, y, nx, ny, width, colour, strength * (0.5 + 0.5 * along));
    x = nx;
    y = ny;
  }
}

/** A film line scratch: the full height, bright, its column steady but its strength flickering a little. */
function drawLineScratch(c: Canvas, x: number, rng: Random): void {
  const strength = rng.range(0.6, 0.9);
  for (let y = 0; y < c.height; y += 4) c.segment(x, y, x, Math.min(c.height - 1, y + 4), 1.6, [235, 235, 235], strength);
}

/** Dust and specks: small round or irregular dots, mostly white (dust on the negative), some black. */
function drawSpeck(c: Canvas, rng: Random): void {
  const colour: Rgb = rng.chance(0.7) ? [240, 240, 238] : [20, 18, 16];
  const radius = rng.chance(0.8) ? rng.range(0.5, 1.5) : rng.range(1.5, 3.5);
  const [x, y] = randomPoint(c, rng);
  c.disc(x, y, radius, colour, rng.range(0.6, 1));
  // Some specks are clumps of two or three dots.
  if (rng.chance(0.3)) c.disc(x + rng.normal() * radius * 1.5, y + rng.normal() * radius * 1.5, radius * 0.7, colour, rng.range(0.6, 1));
}

/** A hair or fibre: a thin curve a few dozen pixels long. */
function drawHair(c: Canvas, rng: Random): void {
  const colour: Rgb = rng.chance(0.6) ? [25, 22, 20] : [235, 235, 230];
  let [x, y] = randomPoint(c, rng);
  let angle = rng.range(0, 2 * Math.PI);
  const turn = rng.normal() * 0.08;
  const length = rng.range(20, 90);
  for (let t = 0; t < length; t += 2) {
    angle += turn + rng.normal() * 0.05;
    const nx = x + Math.cos(angle) * 2;
    const ny = y + Math.sin(angle) * 2;
    c.segment(x, y, nx, ny, rng.range(0.7, 1.2), colour, 0.85);
    x = nx;
    y = ny;
  }
}

/** A torn edge or missing corner: a jagged region at the border where the picture is gone. */
function drawTear(c: Canvas, rng: Random, paper: Rgb): void {
  const corner = rng.int(0, 3);
  const cx = corner % 2 === 0 ? 0 : c.width - 1;
  const cy = corner < 2 ? 0 : c.height - 1;
  const depth = rng.range(0.06, 0.18) * Math.min(c.width, c.height);
  const background: Rgb = rng.chance(0.5) ? paper : [rng.range(10, 60), rng.range(10, 60), rng.range(10, 60)];
  const phase = rng.range(0, 10);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const d = Math.abs(x - cx) + Math.abs(y - cy);
      const along = Math.atan2(Math.abs(y - cy), Math.abs(x - cx));
      // A ragged edge: the depth wobbles along the tear.
      const edge = depth * (1 + 0.25 * Math.sin(along * 9 + phase) + 0.12 * Math.sin(along * 31 + phase * 2));
      const coverage = Math.max(0, Math.min(1, edge - d + 0.5));
      if (coverage > 0) c.paint(x, y, background, coverage);
    }
  }
}

/** A water stain: a faint tinted blob (not damage a fill should touch) inside a dark tide line (damage). */
function drawStain(c: Canvas, rng: Random): void {
  const [cx, cy] = randomPoint(c, rng);
  const radius = rng.range(0.12, 0.35) * Math.min(c.width, c.height);
  const tintColour: Rgb = [rng.range(150, 200), rng.range(120, 160), rng.range(70, 110)];
  const tint = rng.range(0.05, 0.15);
  const ring = rng.range(1.5, 3.5);
  const lobes = [rng.range(0, 0.2), rng.range(0, 0.15), rng.range(0, 10)] as const;
  for (let y = Math.max(0, Math.floor(cy - radius * 1.4)); y < Math.min(c.height, Math.ceil(cy + radius * 1.4)); y++) {
    for (let x = Math.max(0, Math.floor(cx - radius * 1.4)); x < Math.min(c.width, Math.ceil(cx + radius * 1.4)); x++) {
      const a = Math.atan2(y - cy, x - cx);
      const r = radius * (1 + lobes[0] * Math.sin(3 * a + lobes[2]) + lobes[1] * Math.sin(7 * a + lobes[2]));
      const d = Math.hypot(x - cx, y - cy);
      if (d < r) c.tint(x, y, tintColour, tint);
      const onRing = Math.max(0, Math.min(1, ring / 2 + 0.5 - Math.abs(d - r)));
      if (onRing > 0) c.paint(x, y, [tintColour[0] * 0.55, tintColour[1] * 0.5, tintColour[2] * 0.45], onRing * rng.range(0.45, 0.7));
    }
  }
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
