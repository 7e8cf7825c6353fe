import { luma, predictChroma, ycbcrToRgb } from '@revive/colorizer';
import { detectSceneCut } from '@revive/frame-interpolator';
import type { LoadedModel } from '@revive/model-runtime';

/**
 * How temporal smoothing weighs a new prediction. A static area takes 20 % of each new frame's
 * chroma (an average over the last ~9 frames, so grain and the flicker of old film exposure no
 * longer make its colour shimmer); an area whose brightness changes by MOTION_FULL or more (a
 * moving arm, a pan; see localMotion) takes the new prediction whole, so colour follows motion
 * without smearing.
 */
export const STATIC_WEIGHT = 0.2;
export const MOTION_FULL = 0.06;

/** Colorizes the frames of one shot after another, keeping colour steady from frame to frame. */
export interface FrameColorizer {
  readonly workingSize: readonly [width: number, height: number];
  /** Feeds a frame that precedes the sequence (the end of the previous chunk) into the smoothing, producing nothing. */
  prime(frame: Uint8Array): Promise<void>;
  /** The frame in colour: its own luma (every detail kept), the smoothed predicted chroma. */
  colorize(frame: Uint8Array): Promise<Uint8Array>;
}

export interface FrameColorizerOptions {
  /** 1 turns smoothing off (each frame on its own): the baseline the flicker test compares with. */
  readonly staticWeight?: number;
}

/**
 * Temporally stable video colorization. The model predicts chroma (Cb, Cr) from luma at a small
 * working size, once per frame; the prediction is then blended into a running chroma estimate
 * (an exponential moving average whose weight grows with local motion, see STATIC_WEIGHT), and
 * the estimate restarts from the new prediction at a scene cut, so one shot's colours never leak
 * into the next. The smoothed chroma is upsampled and recombined with the frame's full-resolution
 * luma. Chunk boundaries are primed with the previous chunk's last frames, so they do not jump.
 */
export function createFrameColorizer(
  model: LoadedModel,
  width: number,
  height: number,
  options: FrameColorizerOptions = {},
): FrameColorizer {
  const staticWeight = options.staticWeight ?? STATIC_WEIGHT;
  const [workW, workH] = videoWorkingSize(model, width, height);
  const cells = workW * workH;
  let previous: { frame: Uint8Array; luma: Float32Array; cb: Float32Array; cr: Float32Array } | undefined;

  async function step(frame: Uint8Array): Promise<{ cb: Float32Array; cr: Float32Array }> {
    const small = workingLuma(frame, width, height, workW, workH);
    const [cb, cr] = await predictChroma(model, small, workW, workH);
    const cut = !previous || detectSceneCut({ width, height, data: previous.frame }, { width, height, data: frame }).isCut;
    if (!cut) {
      const motion = localMotion(small, previous!.luma, workW, workH);
      for (let i = 0; i < cells; i++) {
        const w = Math.min(1, staticWeight + ((1 - staticWeight) * motion[i]!) / MOTION_FULL);
        cb[i] = previous!.cb[i]! + w * (cb[i]! - previous!.cb[i]!);
        cr[i] = previous!.cr[i]! + w * (cr[i]! - previous!.cr[i]!);
      }
    }
    previous = { frame, luma: small, cb, cr };
    return { cb, cr };
  }

  return {
    workingSize: [workW, workH],
    async prime(frame) {
      await step(frame);
    },
    async colorize(frame) {
      const { cb, cr } = await step(frame);
      return recombine(frame, width, height, cb, cr, workW, workH);
    },
  };
}

/**
 * The manifest's working size (short side, capped long side, size multiple), but never larger
 * than the frame: a small video gains nothing from predicting chroma on an enlarged copy, and
 * each frame's model run is the stage's main cost.
 */
export function videoWorkingSize(model: LoadedModel, width: number, height: number): [number, number] {
  const { workingSize: ws, tiling, id } = model.manifest;
  if (!ws) throw new Error(`model ${id} has no workingSize in its manifest; colorization models need one`);
  const s = Math.min(1, ws.shortSide / Math.min(width, height), ws.maxSide / Math.max(width, height));
  const m = tiling.sizeMultiple;
  const round = (v: number) => Math.max(m, Math.round((v * s) / m) * m);
  return [round(width), round(height)];
}

/** Side, in working cells, of the blocks motion is measured on: large enough to average grain out. */
const MOTION_BLOCK = 4;

/**
 * How much each working cell's picture changed since the previous frame: the luma change
 * averaged over a block of cells (film grain averages out), less the frame's overall change (a
 * flickering exposure brightens everything at once and is not motion).
 */
function localMotion(current: Float32Array, previous: Float32Array, w: number, h: number): Float32Array {
  let global = 0;
  for (let i = 0; i < current.length; i++) global += current[i]! - previous[i]!;
  global /= current.length;
  const bw = Math.ceil(w / MOTION_BLOCK);
  const bh = Math.ceil(h / MOTION_BLOCK);
  const sums = new Float64Array(bw * bh);
  const counts = new Uint16Array(bw * bh);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const b = Math.floor(y / MOTION_BLOCK) * bw + Math.floor(x / MOTION_BLOCK);
      sums[b]! += current[y * w + x]! - previous[y * w + x]! - global;
      counts[b]!++;
    }
  }
  const motion = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const b = Math.floor(y / MOTION_BLOCK) * bw + Math.floor(x / MOTION_BLOCK);
      motion[y * w + x] = Math.abs(sums[b]! / counts[b]!);
    }
  }
  return motion;
}

/** Luma (0–1) averaged over each working cell's footprint (at least one source pixel). */
function workingLuma(frame: Uint8Array, width: number, height: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  for (let cy = 0; cy < outH; cy++) {
    const y0 = Math.min(height - 1, Math.floor((cy * height) / outH));
    const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * height) / outH));
    for (let cx = 0; cx < outW; cx++) {
      const x0 = Math.min(width - 1, Math.floor((cx * width) / outW));
      const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * width) / outW));
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const p = (y * width + x) * 3;
          sum += luma(frame[p]!, frame[p + 1]!, frame[p + 2]!);
        }
      }
      out[cy * outW + cx] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/** The frame's own luma with the chroma planes upsampled bilinearly (half-pixel centres). */
function recombine(
  frame: Uint8Array,
  width: number,
  height: number,
  cb: Float32Array,
  cr: Float32Array,
  workW: number,
  workH: number,
): Uint8Array {
  const out = new Uint8Array(frame.length);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max(((y + 0.5) * workH) / height - 0.5, 0), workH - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, workH - 1);
    const ay = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max(((x + 0.5) * workW) / width - 0.5, 0), workW - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, workW - 1);
      const ax = fx - x0;
      const top = y0 * workW;
      const bottom = y1 * workW;
      const p = (y * width + x) * 3;
      const u = bilerp(cb, top + x0, top + x1, bottom + x0, bottom + x1, ax, ay);
      const v = bilerp(cr, top + x0, top + x1, bottom + x0, bottom + x1, ax, ay);
      ycbcrToRgb(luma(frame[p]!, frame[p + 1]!, frame[p + 2]!), u, v, out, p);
    }
  }
  return out;
}

function bilerp(plane: Float32Array, a: number, b: number, c: number, d: number, ax: number, ay: number): number {
  return (plane[a]! * (1 - ax) + plane[b]! * ax) * (1 - ay) + (plane[c]! * (1 - ax) + plane[d]! * ax) * ay;
}
