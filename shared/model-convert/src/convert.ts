import { createHash } from 'node:crypto';
import { encodeOnnxModel } from './onnx-model.ts';
import { layersModelToOnnxGraph } from './layers-to-onnx.ts';
import { readTfjsLayersModel } from './tfjs-layers-model.ts';

/** Bump when the translation changes so installs rebuild their converted models. */
export const CONVERTER_VERSION = '1.0.0';
export const ONNX_OPSET = 17;

export interface ConvertedModel {
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/** Converts a TF.js layers model directory (model.json + shards) to ONNX bytes. */
export async function convertTfjsLayersDir(dir: string, docString: string): Promise<ConvertedModel> {
  const model = await readTfjsLayersModel(dir);
  const graph = layersModelToOnnxGraph(model);
  const bytes = encodeOnnxModel(graph, {
    producerName: '@revive/model-convert',
    producerVersion: CONVERTER_VERSION,
    docString,
    opset: ONNX_OPSET,
    metadata: { source_format: 'tfjs-layers-model', source_generated_by: model.json.generatedBy ?? 'unknown' },
  });
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
