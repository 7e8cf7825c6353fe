import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { convertTfjsLayersDir } from './convert.ts';
import { layersModelToOnnxGraph } from './layers-to-onnx.ts';
import { loadUpscalerjsInTfjs, predictNhwc } from './tfjs-reference.ts';
import { readTfjsLayersModel, UnsupportedModelError } from './tfjs-layers-model.ts';
import { upscalerjsCatalogue } from './upscalerjs-catalogue.ts';

/** A deterministic pseudo-random image in the model's value range (NHWC). */
function randomImage(h: number, w: number, [lo, hi]: readonly [number, number]): Float32Array {
  let s = 42;
  return Float32Array.from({ length: h * w * 3 }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return lo + (s / 2 ** 31) * (hi - lo);
  });
}

function nhwcToNchw(x: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) for (let k = 0; k < c; k++) out[k * h * w + y * w + i] = x[(y * w + i) * c + k]!;
  return out;
}

describe('TF.js → ONNX converter', () => {
  // Odd, non-square size: catches padding, DepthToSpace ordering and transposition mistakes.
  const [h, w] = [20, 24];
  for (const m of upscalerjsCatalogue()) {
    it(`${m.id} matches TF.js to float rounding`, async (t) => {
      const converted = await convertTfjsLayersDir(m.dir, m.id);
      const session = await ort.InferenceSession.create(converted.bytes, { intraOpNumThreads: 2 });
      const input = randomImage(h, w, m.range);
      const result = await session.run({ input: new ort.Tensor('float32', nhwcToNchw(input, h, w, 3), [1, 3, h, w]) });
      const ours = result.output!;
      assert.deepEqual(ours.dims, [1, 3, h * m.scale, w * m.scale]);

      const reference = await loadUpscalerjsInTfjs(m, 'wasm');
      const expected = nhwcToNchw(predictNhwc(reference, input, h, w), h * m.scale, w * m.scale, 3);
      reference.model.dispose();
      await session.release();

      const actual = ours.data as Float32Array;
      let maxDiff = 0;
      let maxValue = 0;
      for (let i = 0; i < expected.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
        maxValue = Math.max(maxValue, Math.abs(expected[i]!));
      }
      t.diagnostic(`max |onnx - tfjs| = ${maxDiff.toExponential(2)} on outputs up to ${maxValue.toFixed(2)}`);
      // float32 has ~7 significant digits; dozens of convolutions accumulate a few ulps.
      assert.ok(maxDiff <= 1e-5 * Math.max(1, maxValue), `max difference ${maxDiff} exceeds float rounding`);
      assert.ok(maxValue > 0.1 * m.range[1], 'output is not degenerate');
    });
  }

  it('refuses layers it cannot translate instead of guessing', async () => {
    const slim = upscalerjsCatalogue().find((m) => m.id === 'esrgan-slim-x2')!;
    const model = await readTfjsLayersModel(slim.dir);
    const layers = model.json.modelTopology.model_config.config.layers.map((l) =>
      l.class_name === 'Conv2D' ? { ...l, config: { ...l.config, activation: 'sigmoid' } } : l,
    );
    const topology = {
      model_config: { ...model.json.modelTopology.model_config, config: { ...model.json.modelTopology.model_config.config, layers } },
    };
    assert.throws(
      () => layersModelToOnnxGraph({ ...model, json: { ...model.json, modelTopology: topology } }),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedModelError);
        assert.match(e.message, /activation "sigmoid" is not supported/);
        return true;
      },
    );
  });
});
