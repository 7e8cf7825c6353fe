import type { RasterSink, RasterSource } from '@revive/image-io';
import { InferenceAbortedError } from './errors.ts';
import { createImageTensorCodec } from './image-tensor-codec.ts';
import type { LoadedModel } from './model-runtime.ts';
import { featherWeights, roundUp, tileStarts } from './tile-plan.ts';
import { observeInference } from './inference-telemetry.ts';
import { SpanAttributes } from '@revive/telemetry';

/** Reported after every tile so a stage can publish progress and heartbeat its message. */
export interface TileProgress {
  readonly tilesDone: number;
  readonly tilesTotal: number;
}

export interface TiledInferenceOptions {
  /** Tile side in input pixels; the model's manifest hint by default. */
  readonly tileSize?: number;
  /** Overlap between neighbouring tiles in input pixels; the manifest hint by default. */
  readonly overlap?: number;
  readonly signal?: AbortSignal;
  /** Awaited after each tile, so a slow consumer (a NATS heartbeat) applies back-pressure. */
  readonly onProgress?: (progress: TileProgress) => void | Promise<void>;
}

export interface TiledInferenceResult {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly tiles: number;
}

/**
 * Runs an image-to-image model over a source of any size, tile by tile, and streams the
 * result to a sink. Tiles overlap and are blended with feathered weights; only one band of
 * tile rows is held at a time, so memory grows with width x tile size, never with height.
 */
export function runTiled(
  model: LoadedModel,
  source: RasterSource,
  sink: RasterSink,
  options: TiledInferenceOptions = {},
): Promise<TiledInferenceResult> {
  return observeInference(model.manifest, { inputPixels: source.width * source.height }, async (span) => {
    const result = await runTiles(model, source, sink, options);
    span.setAttributes({ [SpanAttributes.tiles]: result.tiles, [SpanAttributes.outputPixels]: result.width * result.height });
    return result;
  });
}

async function runTiles(
  model: LoadedModel,
  source: RasterSource,
  sink: RasterSink,
  options: TiledInferenceOptions,
): Promise<TiledInferenceResult> {
  const { manifest, session } = model;
  const scale = manifest.scale;
  const multiple = manifest.tiling.sizeMultiple;
  const tileSize = roundUp(options.tileSize ?? manifest.tiling.tileSize, multiple);
  const overlap = Math.min(options.overlap ?? manifest.tiling.overlap, Math.floor((tileSize - 1) / 2));
  const codec = createImageTensorCodec(manifest, source.channels);
  const channels = codec.outputChannels;

  const { width, height } = source;
  const tileW = Math.min(tileSize, width);
  const tileH = Math.min(tileSize, height);
  const xs = tileStarts(width, tileW, overlap);
  const ys = tileStarts(height, tileH, overlap);
  const tilesTotal = xs.length * ys.length;
  const padW = roundUp(tileW, multiple);
  const padH = roundUp(tileH, multiple);

  const outW = width * scale;
  const bandRows = tileH * scale;
  const acc = new Float32Array(outW * bandRows * channels);
  const weightSum = new Float32Array(outW * bandRows);
  const tile = new Uint8Array(tileW * tileH * source.channels);
  const wyFirst = featherWeights(tileH * scale, overlap * scale, true, ys.length === 1);
  const wyInner = featherWeights(tileH * scale, overlap * scale, false, false);
  const wyLast = featherWeights(tileH * scale, overlap * scale, false, true);
  const wxs = xs.map((_, i) => featherWeights(tileW * scale, overlap * scale, i === 0, i === xs.length - 1));

  let accTop = 0; // output row held in acc[0]
  let tilesDone = 0;
  try {
    for (let r = 0; r < ys.length; r++) {
      const y0 = ys[r]!;
      const band = await source.readRows(y0, y0 + tileH);
      const wy = r === 0 ? wyFirst : r === ys.length - 1 ? wyLast : wyInner;
      const rowOffset = y0 * scale - accTop;
      for (let c = 0; c < xs.length; c++) {
        if (options.signal?.aborted) throw new InferenceAbortedError('inference cancelled', { cause: options.signal.reason });
        const x0 = xs[c]!;
        for (let y = 0; y < tileH; y++) {
          const from = (y * width + x0) * source.channels;
          tile.set(band.subarray(from, from + tileW * source.channels), y * tileW * source.channels);
        }
        const outputs = await session.run(codec.encode(tile, tileW, tileH, padW, padH));
        const pixels = codec.decode(outputs, tile, tileW, tileH, padW);
        for (const t of Object.values(outputs)) t.dispose();
        accumulate(pixels, tileW * scale, tileH * scale, x0 * scale, rowOffset, wxs[c]!, wy);
        tilesDone++;
        await options.onProgress?.({ tilesDone, tilesTotal });
      }
      const nextTop = r === ys.length - 1 ? (y0 + tileH) * scale : ys[r + 1]! * scale;
      await flush(nextTop - accTop);
      accTop = nextTop;
    }
    await sink.end();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return { width: outW, height: height * scale, channels, tiles: tilesTotal };

  function accumulate(pixels: Float32Array, tw: number, th: number, ox: number, oy: number, wx: Float32Array, wy: Float32Array): void {
    for (let y = 0; y < th; y++) {
      const rowW = wy[y]!;
      const accRow = (oy + y) * outW + ox;
      for (let x = 0; x < tw; x++) {
        const w = rowW * wx[x]!;
        if (w === 0) continue;
        const a = accRow + x;
        weightSum[a] = weightSum[a]! + w;
        const p = (y * tw + x) * channels;
        for (let ch = 0; ch < channels; ch++) acc[a * channels + ch] = acc[a * channels + ch]! + w * pixels[p + ch]!;
      }
    }
  }

  /** Writes the first `rows` rows of the band, finished now, and shifts the rest up. */
  async function flush(rows: number): Promise<void> {
    const out = new Uint8Array(rows * outW * channels);
    for (let i = 0; i < rows * outW; i++) {
      const w = weightSum[i]!;
      for (let ch = 0; ch < channels; ch++) {
        const v = acc[i * channels + ch]! / w;
        // Uint8 assignment truncates and wraps; round and clamp like an image encoder.
        out[i * channels + ch] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
    await sink.writeRows(out, rows);
    acc.copyWithin(0, rows * outW * channels);
    acc.fill(0, (bandRows - rows) * outW * channels);
    weightSum.copyWithin(0, rows * outW);
    weightSum.fill(0, (bandRows - rows) * outW);
  }
}
