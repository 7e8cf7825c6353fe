import { featherWeights, roundUp, runFloat32, tileStarts, type LoadedModel, type ModelRuntime } from '@revive/model-runtime';
import { assertSameSize, type RgbFrame } from './frame.ts';
import type { FrameInterpolator } from './interpolator.ts';

export const DEFAULT_INTERPOLATE_MODEL = 'revive-interpolate-v1';

export interface LearnedInterpolatorOptions {
  readonly modelId?: string;
  /** Also run on the mirrored pair and average: a little sharper and steadier, twice the cost. */
  readonly ensemble?: boolean;
  /** Tile side override (the manifest's by default); tiles overlap by the manifest's overlap. */
  readonly tileSize?: number;
}

/**
 * A flow-based interpolation network run through the shared model runtime. Frames are
 * edge-padded to the model's size multiple; frames larger than its tile size are split into
 * overlapping tiles blended with feathered weights, so any frame size works in bounded memory.
 */
export function createLearnedInterpolator(runtime: ModelRuntime, options: LearnedInterpolatorOptions = {}): FrameInterpolator {
  const modelId = options.modelId ?? DEFAULT_INTERPOLATE_MODEL;
  return {
    name: options.ensemble ? `${modelId}+flip` : modelId,
    async interpolate(a, b, t) {
      assertSameSize(a, b);
      const model = await runtime.load(modelId);
      const tileSize = options.tileSize ?? model.manifest.tiling.tileSize;
      const overlap = Math.min(model.manifest.tiling.overlap, Math.floor(tileSize / 4));
      const { width, height } = a;
      const tw = Math.min(width, tileSize);
      const th = Math.min(height, tileSize);
      const xs = tileStarts(width, tw, overlap);
      const ys = tileStarts(height, th, overlap);
      const acc = new Float32Array(width * height * 3);
      const weight = new Float32Array(width * height);
      for (const [r, y0] of ys.entries()) {
        const wy = featherWeights(th, overlap, r === 0, r === ys.length - 1);
        for (const [c, x0] of xs.entries()) {
          const wx = featherWeights(tw, overlap, c === 0, c === xs.length - 1);
          let tile = await runTile(model, a, b, t, x0, y0, tw, th, false);
          if (options.ensemble) {
            const mirrored = await runTile(model, a, b, t, x0, y0, tw, th, true);
            tile = tile.map((v, i) => 0.5 * (v + mirrored[i]!));
          }
          for (let y = 0; y < th; y++) {
            for (let x = 0; x < tw; x++) {
              const w = wy[y]! * wx[x]!;
              const p = (y0 + y) * width + x0 + x;
              weight[p]! += w;
              for (let ch = 0; ch < 3; ch++) acc[p * 3 + ch]! += w * tile[(y * tw + x) * 3 + ch]!;
            }
          }
        }
      }
      const data = new Uint8Array(width * height * 3);
      for (let i = 0; i < data.length; i++) {
        const v = (acc[i]! / weight[Math.floor(i / 3)]!) * 255;
        data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
      return { width, height, data } satisfies RgbFrame;
    },
  };
}

/** One tile of both frames → interleaved RGB floats 0–1 of the synthesised tile. */
async function runTile(
  model: LoadedModel,
  a: RgbFrame,
  b: RgbFrame,
  t: number,
  x0: number,
  y0: number,
  tw: number,
  th: number,
  mirror: boolean,
): Promise<Float32Array> {
  const multiple = model.manifest.tiling.sizeMultiple;
  const pw = roundUp(tw, multiple);
  const ph = roundUp(th, multiple);
  const [in0, in1, ts] = model.manifest.inputs;
  const out = model.manifest.outputs[0];
  if (!in0 || !in1 || !ts || !out)
    throw new Error(`model ${model.manifest.id}: an interpolator takes two frames and a timestep and returns a frame`);
  const [lo, hi] = in0.range ?? [0, 1];
  const toTensor = (f: RgbFrame) => {
    const plane = pw * ph;
    const data = new Float32Array(3 * plane);
    for (let y = 0; y < ph; y++) {
      const sy = y0 + Math.min(y, th - 1); // edge padding up to the size multiple
      for (let x = 0; x < pw; x++) {
        const tx = Math.min(x, tw - 1);
        const sx = x0 + (mirror ? tw - 1 - tx : tx);
        const p = (sy * f.width + sx) * 3;
        for (let c = 0; c < 3; c++) data[c * plane + y * pw + x] = lo + (f.data[p + c]! / 255) * (hi - lo);
      }
    }
    return { data, dims: [1, 3, ph, pw] };
  };
  const result = await runFloat32(model, {
    [in0.name]: toTensor(a),
    [in1.name]: toTensor(b),
    [ts.name]: { data: Float32Array.of(t), dims: [1, 1, 1, 1] },
  });
  const frame = result[out.name];
  if (!frame) throw new Error(`model ${model.manifest.id} produced no "${out.name}"`);
  const src = frame.data as Float32Array;
  const [oLo, oHi] = out.range ?? [0, 1];
  const tile = new Float32Array(tw * th * 3);
  const plane = pw * ph;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const sx = mirror ? tw - 1 - x : x;
      for (let c = 0; c < 3; c++) tile[(y * tw + x) * 3 + c] = (src[c * plane + y * pw + sx]! - oLo) / (oHi - oLo);
    }
  }
  return tile;
}
