import { memoryRasterSink, memoryRasterSource } from '@revive/image-io';
import { loadUpscalerjsInTfjs, predictNhwc, type UpscalerjsModel } from '@revive/model-convert';
import { runTiled, type ModelRuntime } from '@revive/model-runtime';

export interface SrBenchRow {
  readonly model: string;
  readonly input: string;
  /** Output megapixels per second through Revive's runtime (tiled, blended, 8-bit out). */
  readonly runtimeMps: number;
  /** The same with one intra-op thread: like for like with TF.js wasm, which runs one thread in Node. */
  readonly runtimeOneThreadMps: number;
  /** The same weights, same image, whole-image predict in TF.js on the wasm backend. */
  readonly tfjsMps: number;
  readonly runtimeRuns: number;
  readonly tfjsRuns: number;
}

/** A deterministic textured RGB image: convolution cost does not depend on content, but keep it photo-like. */
export function benchImage(width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  let s = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const grain = (s / 2 ** 31) * 24;
      const i = (y * width + x) * 3;
      pixels[i] = 110 + 80 * Math.sin(x / 9) + grain;
      pixels[i + 1] = 120 + 70 * Math.cos(y / 13) + grain;
      pixels[i + 2] = 100 + 60 * Math.sin((x + y) / 17) + grain;
    }
  }
  return pixels;
}

/** Runs `fn` once to warm up, then repeatedly until `minSeconds` elapse; returns seconds per run. */
export async function timeIt(fn: () => Promise<void> | void, minSeconds: number): Promise<{ seconds: number; runs: number }> {
  await fn();
  let runs = 0;
  const started = performance.now();
  do {
    await fn();
    runs++;
  } while ((performance.now() - started) / 1000 < minSeconds);
  return { seconds: (performance.now() - started) / 1000 / runs, runs };
}

/** Seconds per run of the full runtime path (tiling, blending, 8-bit out) on a size x size image. */
async function timeThroughRuntime(runtime: ModelRuntime, id: string, scale: number, pixels: Uint8Array, size: number, minSeconds: number) {
  const model = await runtime.load(id);
  return timeIt(async () => {
    await runTiled(model, memoryRasterSource(pixels, size, size, 3), memoryRasterSink(size * scale, size * scale, 3));
  }, minSeconds);
}

export async function benchSuperResolution(options: {
  readonly runtime: ModelRuntime;
  readonly oneThreadRuntime: ModelRuntime;
  readonly models: readonly UpscalerjsModel[];
  readonly size: number;
  readonly minSeconds: number;
  readonly onRow?: (row: SrBenchRow) => void;
}): Promise<SrBenchRow[]> {
  const { size } = options;
  const pixels = benchImage(size, size);
  const rows: SrBenchRow[] = [];
  for (const m of options.models) {
    const outPixels = size * size * m.scale * m.scale;
    const ours = await timeThroughRuntime(options.runtime, m.id, m.scale, pixels, size, options.minSeconds);
    const oursOneThread = await timeThroughRuntime(options.oneThreadRuntime, m.id, m.scale, pixels, size, options.minSeconds);

    const ref = await loadUpscalerjsInTfjs(m, 'wasm');
    const [lo, hi] = m.range;
    const input = Float32Array.from(pixels, (v) => lo + (v / 255) * (hi - lo));
    const theirs = await timeIt(() => void predictNhwc(ref, input, size, size), options.minSeconds);
    ref.model.dispose();

    const row: SrBenchRow = {
      model: m.id,
      input: `${size}x${size}`,
      runtimeMps: outPixels / 1e6 / ours.seconds,
      runtimeOneThreadMps: outPixels / 1e6 / oursOneThread.seconds,
      tfjsMps: outPixels / 1e6 / theirs.seconds,
      runtimeRuns: ours.runs,
      tfjsRuns: theirs.runs,
    };
    options.onRow?.(row);
    rows.push(row);
  }
  return rows;
}

export interface SrSpeedRow {
  readonly model: string;
  readonly scale: number;
  readonly mps: number;
  /** This model's throughput over the baseline's at the same scale, measured in the same run. */
  readonly speedup: number | undefined;
}

/**
 * Every installed super-resolution model through the same runtime on the same image, beside a
 * baseline per scale (esrgan-thick by default): the speed claim of Revive's own models.
 */
export async function benchInstalledSuperResolution(options: {
  readonly runtime: ModelRuntime;
  readonly size: number;
  readonly minSeconds: number;
  readonly baseline: (scale: number) => string;
  readonly modelIds?: readonly string[];
  readonly onRow?: (row: SrSpeedRow) => void;
}): Promise<SrSpeedRow[]> {
  const { size, runtime } = options;
  const pixels = benchImage(size, size);
  const installed = (await runtime.registry.find('superres')).filter(
    (m) => !options.modelIds || options.modelIds.includes(m.id) || m.id === options.baseline(m.manifest.scale),
  );
  const mps = new Map<string, number>();
  for (const m of installed) {
    const scale = m.manifest.scale;
    const t = await timeThroughRuntime(runtime, m.id, scale, pixels, size, options.minSeconds);
    mps.set(m.id, (size * size * scale * scale) / 1e6 / t.seconds);
  }
  const rows = installed.map((m): SrSpeedRow => {
    const base = mps.get(options.baseline(m.manifest.scale));
    return { model: m.id, scale: m.manifest.scale, mps: mps.get(m.id)!, speedup: base ? mps.get(m.id)! / base : undefined };
  });
  rows.sort((a, b) => a.scale - b.scale || b.mps - a.mps);
  for (const r of rows) options.onRow?.(r);
  return rows;
}
