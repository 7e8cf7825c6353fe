import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The parts of a TF.js `layers-model` model.json this converter reads. */
export interface TfjsLayer {
  readonly class_name: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>> & { readonly name: string };
  /** Keras functional inbound nodes: [[[layerName, nodeIndex, tensorIndex, kwargs], ...]]. */
  readonly inbound_nodes: readonly (readonly (readonly [string, number, number, unknown?])[])[];
}

export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: unknown;
}

export interface TfjsModelJson {
  readonly format: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string;
  readonly modelTopology: {
    readonly model_config: {
      readonly class_name: string;
      readonly config: {
        readonly name: string;
        readonly layers: readonly TfjsLayer[];
        readonly input_layers: readonly (readonly [string, number, number])[];
        readonly output_layers: readonly (readonly [string, number, number])[];
      };
    };
  };
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly TfjsWeightSpec[] }[];
}

/** A TF.js layers model read from disk: topology plus every weight as float32, by name. */
export interface TfjsLayersModel {
  readonly json: TfjsModelJson;
  /** All shards concatenated in manifest order, as TF.js itself does. */
  readonly weightData: ArrayBuffer;
  readonly weights: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>;
}

export class UnsupportedModelError extends Error {
  override readonly name = 'UnsupportedModelError';
  readonly retryable = false;
}

/** Reads model.json and its weight shards from a directory, refusing formats the converter cannot translate. */
export async function readTfjsLayersModel(dir: string): Promise<TfjsLayersModel> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as TfjsModelJson;
  if (json.format !== 'layers-model') {
    throw new UnsupportedModelError(`${dir}/model.json: format "${json.format}" is not a TF.js layers-model`);
  }
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) shards.push(await readFile(join(dir, path)));
  }
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;

  const weights = new Map<string, { shape: readonly number[]; values: Float32Array }>();
  let offset = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) {
      throw new UnsupportedModelError(`weight ${spec.name}: only unquantized float32 weights are supported`);
    }
    const count = spec.shape.reduce((a, b) => a * b, 1);
    weights.set(spec.name, { shape: spec.shape, values: new Float32Array(weightData, offset, count) });
    offset += count * 4;
  }
  if (offset !== weightData.byteLength) {
    throw new UnsupportedModelError(`${dir}: weight shards hold ${weightData.byteLength} bytes but the manifest describes ${offset}`);
  }
  return { json, weightData, weights };
}
