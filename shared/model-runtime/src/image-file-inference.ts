import { createPngSink, openImageFile } from '@revive/image-io';
import type { ModelRuntime } from './model-runtime.ts';
import { runTiled, type TiledInferenceOptions, type TiledInferenceResult } from './tiled-inference.ts';

export interface ImageFileInferenceRequest extends TiledInferenceOptions {
  readonly modelId: string;
  readonly inputPath: string;
  /** The result is written as PNG; it appears under this name only when complete. */
  readonly outputPath: string;
  readonly maxInputPixels: number;
  readonly tmpDir?: string;
}

/** Runs an image-to-image model from an image file to a PNG file with bounded memory. */
export async function runModelOnImageFile(runtime: ModelRuntime, request: ImageFileInferenceRequest): Promise<TiledInferenceResult> {
  const model = await runtime.load(request.modelId);
  const source = await openImageFile(request.inputPath, { maxPixels: request.maxInputPixels, tmpDir: request.tmpDir });
  try {
    const scale = model.manifest.scale;
    const sink = await createPngSink(request.outputPath, source.width * scale, source.height * scale, source.channels);
    return await runTiled(model, source, sink, request);
  } finally {
    await source.close();
  }
}
