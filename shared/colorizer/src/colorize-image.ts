import { createPngSink, openImageFile, readRgbThumbnail, type RasterSource } from '@revive/image-io';
import { observeInference, runFloat32, type LoadedModel, type ModelRuntime } from '@revive/model-runtime';
import { ANALYSIS_SIZE, analyseColour, type ColourAnalysis } from './colour-analysis.ts';
import { luma, ycbcrToRgb } from './ycbcr.ts';

/** `auto` colorizes only monochrome pictures (grey, sepia, faded); `on` always; `off` never. */
export type ColorizeMode = 'auto' | 'on' | 'off';

export const DEFAULT_COLORIZE_MODEL = 'revive-colorize-v2';

export interface ColorizeRequest {
  readonly inputPath: string;
  /** PNG; written only when the picture is colorized. */
  readonly outputPath: string;
  readonly mode: ColorizeMode;
  readonly modelId?: string;
  readonly maxInputPixels: number;
  readonly tmpDir?: string;
  readonly signal?: AbortSignal;
}

export type ColorizeResult =
  | {
      readonly colorized: true;
      readonly width: number;
      readonly height: number;
      readonly workingSize: readonly [number, number];
      readonly analysis: ColourAnalysis;
    }
  | { readonly colorized: false; readonly reason: 'already-colour' | 'mode-off'; readonly analysis: ColourAnalysis | undefined };

/** Rows read per band: memory stays at a few bands of the original, whatever its size. */
const BAND_ROWS = 256;

/**
 * Colorizes an image file: chroma is predicted from the luma at the model's working size,
 * upsampled bilinearly and recombined with the original's full-resolution luma, so every
 * detail and the sharpness of the original are kept; only colour is added.
 */
export async function colorizeImageFile(runtime: ModelRuntime, request: ColorizeRequest): Promise<ColorizeResult> {
  if (request.mode === 'off') return { colorized: false, reason: 'mode-off', analysis: undefined };
  const source = await openImageFile(request.inputPath, { maxPixels: request.maxInputPixels, tmpDir: request.tmpDir });
  try {
    const analysis = await analyse(request.inputPath, source);
    if (request.mode === 'auto' && !analysis.isMonochrome) return { colorized: false, reason: 'already-colour', analysis };
    const model = await runtime.load(request.modelId ?? DEFAULT_COLORIZE_MODEL);
    const [workH, workW] = workingSize(model, source.width, source.height);
    const workingLuma = await downscaledLuma(source, workW, workH);
    // One untiled run at the working size: that is what the model (and the per-megapixel figure) sees.
    const chroma = await observeInference(model.manifest, { inputPixels: workW * workH, tiles: 1 }, () =>
      predictChroma(model, workingLuma, workW, workH),
    );
    await recombine(source, chroma, workW, workH, request);
    return { colorized: true, width: source.width, height: source.height, workingSize: [workW, workH], analysis };
  } finally {
    await source.close();
  }
}

async function analyse(path: string, source: RasterSource): Promise<ColourAnalysis> {
  if (source.channels < 3) return analyseColour(new Uint8Array(0), 1);
  const thumbnail = await readRgbThumbnail(path, ANALYSIS_SIZE);
  return analyseColour(thumbnail.pixels, thumbnail.channels);
}

/** Working size (height, width): short side as the manifest asks, long side capped, multiples kept. */
export function workingSize(model: LoadedModel, width: number, height: number): [number, number] {
  const { workingSize: ws, tiling, id } = model.manifest;
  if (!ws) throw new Error(`model ${id} has no workingSize in its manifest; colorization models need one`);
  const s = Math.min(ws.shortSide / Math.min(width, height), ws.maxSide / Math.max(width, height));
  const m = tiling.sizeMultiple;
  const round = (v: number) => Math.max(m, Math.round((v * s) / m) * m);
  return [round(height), round(width)];
}

/** Luma (0–1) of the whole image at the working size: area-averaged when shrinking, bilinear when enlarging. */
async function downscaledLuma(source: RasterSource, outW: number, outH: number): Promise<Float32Array> {
  const { width, height, channels } = source;
  const sums = new Float64Array(outW * outH);
  const counts = new Float64Array(outW * outH);
  const colour = channels >= 3;
  for (let y0 = 0; y0 < height; y0 += BAND_ROWS) {
    const y1 = Math.min(height, y0 + BAND_ROWS);
    const band = await source.readRows(y0, y1);
    for (let y = y0; y < y1; y++) {
      // Pixel centres map onto the working grid; each source pixel lands in one cell.
      const cy = Math.min(outH - 1, Math.floor(((y + 0.5) * outH) / height));
      for (let x = 0; x < width; x++) {
        const p = ((y - y0) * width + x) * channels;
        const v = colour ? luma(band[p]!, band[p + 1]!, band[p + 2]!) : band[p]! / 255;
        const cell = cy * outW + Math.min(outW - 1, Math.floor(((x + 0.5) * outW) / width));
        sums[cell]! += v;
        counts[cell]!++;
      }
    }
  }
  if (outW <= width && outH <= height) return Float32Array.from(sums, (s, i) => s / counts[i]!);
  // Enlarging (a small photo): the image is small, so resample its full luma directly.
  const full = new Float32Array(width * height);
  const all = await source.readRows(0, height);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    full[i] = colour ? luma(all[p]!, all[p + 1]!, all[p + 2]!) : all[p]! / 255;
  }
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++)
      out[y * outW + x] = bilinear(full, width, height, ((x + 0.5) * width) / outW - 0.5, ((y + 0.5) * height) / outH - 0.5);
  }
  return out;
}

function bilinear(plane: Float32Array, w: number, h: number, fx: number, fy: number): number {
  const x = Math.min(Math.max(fx, 0), w - 1);
  const y = Math.min(Math.max(fy, 0), h - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const ax = x - x0;
  const ay = y - y0;
  const top = plane[y0 * w + x0]! * (1 - ax) + plane[y0 * w + x1]! * ax;
  const bottom = plane[y1 * w + x0]! * (1 - ax) + plane[y1 * w + x1]! * ax;
  return top * (1 - ay) + bottom * ay;
}

/** Runs the model on one working-size luma plane; returns Cb and Cr planes in [-0.5, 0.5] (images and video frames). */
export async function predictChroma(
  model: LoadedModel,
  lumaPlane: Float32Array,
  w: number,
  h: number,
): Promise<[Float32Array, Float32Array]> {
  const input = model.manifest.inputs[0]!;
  const output = model.manifest.outputs[0]!;
  const [lo, hi] = input.range ?? [0, 1];
  const data = lo === 0 && hi === 1 ? lumaPlane : Float32Array.from(lumaPlane, (v) => lo + v * (hi - lo));
  const result = await runFloat32(model, { [input.name]: { data, dims: [1, 1, h, w] } });
  const out = result[output.name];
  if (!out) throw new Error(`model ${model.manifest.id} produced no "${output.name}"`);
  if (out.dims.length !== 4 || out.dims[1] !== 2 || out.dims[2] !== h || out.dims[3] !== w) {
    throw new Error(`model ${model.manifest.id} returned ${out.dims.join('x')}, expected 1x2x${h}x${w} chroma`);
  }
  const src = out.data as Float32Array;
  const [oLo, oHi] = output.range ?? [-0.5, 0.5];
  // Manifest ranges map linearly onto Cb/Cr's [-0.5, 0.5].
  const k = 1 / (oHi - oLo);
  const toChroma = (v: number) => (v - oLo) * k - 0.5;
  const planes: [Float32Array, Float32Array] = [
    Float32Array.from(src.subarray(0, w * h), toChroma),
    Float32Array.from(src.subarray(w * h, 2 * w * h), toChroma),
  ];
  return planes;
}

/** Streams the original band by band, keeping its luma and adding upsampled chroma; alpha kept. */
async function recombine(
  source: RasterSource,
  [cb, cr]: [Float32Array, Float32Array],
  workW: number,
  workH: number,
  request: ColorizeRequest,
): Promise<void> {
  const { width, height, channels } = source;
  const hasAlpha = channels === 2 || channels === 4;
  const outChannels = hasAlpha ? 4 : 3;
  const sink = await createPngSink(request.outputPath, width, height, outChannels);
  try {
    for (let y0 = 0; y0 < height; y0 += BAND_ROWS) {
      if (request.signal?.aborted) throw request.signal.reason ?? new Error('colorization cancelled');
      const y1 = Math.min(height, y0 + BAND_ROWS);
      const band = await source.readRows(y0, y1);
      const out = new Uint8Array((y1 - y0) * width * outChannels);
      for (let y = y0; y < y1; y++) {
        const fy = ((y + 0.5) * workH) / height - 0.5;
        for (let x = 0; x < width; x++) {
          const p = ((y - y0) * width + x) * channels;
          const o = ((y - y0) * width + x) * outChannels;
          const v = channels >= 3 ? luma(band[p]!, band[p + 1]!, band[p + 2]!) : band[p]! / 255;
          const fx = ((x + 0.5) * workW) / width - 0.5;
          ycbcrToRgb(v, bilinear(cb, workW, workH, fx, fy), bilinear(cr, workW, workH, fx, fy), out, o);
          if (hasAlpha) out[o + 3] = band[p + channels - 1]!;
        }
      }
      await sink.writeRows(out, y1 - y0);
    }
    await sink.end();
  } catch (error) {
    await sink.abort();
    throw error;
  }
}
