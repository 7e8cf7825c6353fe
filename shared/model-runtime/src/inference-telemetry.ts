import type { Span } from '@opentelemetry/api';
import type { ModelManifest } from '@revive/contracts';
import { inSpan, pipelineMetrics, SpanAttributes } from '@revive/telemetry';

/**
 * Runs one model over one image inside a `model.inference` span (model id, task, input pixels;
 * `work` may add the output size and, once known, the tile count) and records the time per megapixel, the figure that
 * compares runs of different image sizes. Failed runs get the span but not the timing.
 */
export async function observeInference<T>(
  manifest: ModelManifest,
  size: { inputPixels: number; tiles?: number },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const { inputPixels, tiles } = size;
  const attributes = {
    [SpanAttributes.modelId]: manifest.id,
    [SpanAttributes.modelTask]: manifest.task,
    [SpanAttributes.inputPixels]: inputPixels,
    ...(tiles === undefined ? {} : { [SpanAttributes.tiles]: tiles }),
  };
  return inSpan('model.inference', { attributes }, async (span) => {
    const started = performance.now();
    const result = await work(span);
    const seconds = (performance.now() - started) / 1000;
    const metrics = pipelineMetrics();
    metrics.inferenceDuration.record(seconds, { model: manifest.id });
    if (inputPixels > 0) metrics.inferenceSecondsPerMegapixel.record(seconds / (inputPixels / 1e6), { model: manifest.id });
    return result;
  });
}
