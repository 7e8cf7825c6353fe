import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { readTfjsLayersModel } from './tfjs-layers-model.ts';
import type { UpscalerjsModel } from './upscalerjs-catalogue.ts';

const require = createRequire(import.meta.url);
const registered = new Set<string>();

/** TF.js backends that run in Node without downloading anything. */
export type TfjsBackend = 'cpu' | 'wasm';

/**
 * Loads an UpscalerJS model into TF.js exactly as the package's users do, including the
 * package's own `setup()` that registers its custom layers. This is the reference the
 * converter is checked against and the baseline the benchmark measures.
 */
export async function loadUpscalerjsInTfjs(m: UpscalerjsModel, backend: TfjsBackend): Promise<{ tf: typeof tf; model: tfl.LayersModel }> {
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backend);
  await tf.ready();
  const key = `${m.packageName}/${m.scale}`;
  if (!registered.has(key)) {
    const definition = require(`${m.packageName}/${m.scale}x`) as {
      default?: { setup?: (t: unknown) => void };
      setup?: (t: unknown) => void;
    };
    const setup = definition.default?.setup ?? definition.setup;
    setup?.({ ...tf, layers: tfl.layers, serialization: tf.serialization });
    registered.add(key);
  }
  const source = await readTfjsLayersModel(m.dir);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: source.json.modelTopology as unknown as object,
      weightSpecs: source.json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: source.weightData,
    }),
  );
  return { tf, model };
}

/** Runs the TF.js model on an NHWC float32 image and returns NHWC float32 output. */
export function predictNhwc(
  ref: { tf: typeof tf; model: tfl.LayersModel },
  pixels: Float32Array,
  height: number,
  width: number,
): Float32Array {
  return ref.tf.tidy(() => {
    const out = ref.model.predict(ref.tf.tensor4d(pixels, [1, height, width, 3])) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}
