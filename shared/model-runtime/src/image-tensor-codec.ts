import * as ort from 'onnxruntime-node';
import type { ModelManifest, TensorContract } from '@revive/contracts';
import type { Channels } from '@revive/image-io';

/**
 * Turns 8-bit tile pixels into a model's input tensor and its output back into 0–255
 * floats, following the manifest (layout, value range). Grey sources are fed as RGB to
 * RGB models and brought back to grey; alpha never goes through the model: it is
 * resized bilinearly, because no photo model is trained on transparency.
 */
export interface ImageTensorCodec {
  /** Channels written to the output image (same as the source's). */
  readonly outputChannels: Channels;
  encode(tile: Uint8Array, width: number, height: number, paddedWidth: number, paddedHeight: number): Record<string, ort.Tensor>;
  /** Output tile as interleaved 0–255 floats of `outputChannels`, cropped to width*scale x height*scale. */
  decode(outputs: ort.InferenceSession.ReturnType, tile: Uint8Array, width: number, height: number, paddedWidth: number): Float32Array;
}

function imageContract(
  t: TensorContract | undefined,
  side: string,
  id: string,
): Required<Pick<TensorContract, 'name' | 'layout'>> & { channels: number; range: [number, number] } {
  if (!t || t.kind !== 'image') throw new Error(`model ${id}: ${side} is not an image tensor`);
  if (t.channels !== 3 || t.colorSpace !== 'rgb') throw new Error(`model ${id}: ${side} must be 3-channel rgb for image-to-image tiling`);
  return { name: t.name, layout: t.layout, channels: t.channels, range: t.range ?? [0, 1] };
}

export function createImageTensorCodec(manifest: ModelManifest, sourceChannels: Channels): ImageTensorCodec {
  if (manifest.inputs.length !== 1 || manifest.outputs.length !== 1) {
    throw new Error(`model ${manifest.id}: tiling needs exactly one image input and one image output`);
  }
  const input = imageContract(manifest.inputs[0], 'input', manifest.id);
  const output = imageContract(manifest.outputs[0], 'output', manifest.id);
  const scale = manifest.scale;
  const colourChannels = sourceChannels <= 2 ? 1 : 3;
  const hasAlpha = sourceChannels === 2 || sourceChannels === 4;
  const [inLo, inHi] = input.range;
  const [outLo, outHi] = output.range;

  return {
    outputChannels: sourceChannels,
    encode(tile, width, height, pw, ph) {
      const plane = pw * ph;
      const data = new Float32Array(3 * plane);
      const k = (inHi - inLo) / 255;
      for (let y = 0; y < ph; y++) {
        const sy = Math.min(y, height - 1); // edge-replicate padding up to the size multiple
        for (let x = 0; x < pw; x++) {
          const sx = Math.min(x, width - 1);
          const p = (sy * width + sx) * sourceChannels;
          for (let c = 0; c < 3; c++) {
            const v = inLo + tile[p + (colourChannels === 1 ? 0 : c)]! * k;
            data[input.layout === 'NCHW' ? c * plane + y * pw + x : (y * pw + x) * 3 + c] = v;
          }
        }
      }
      const dims = input.layout === 'NCHW' ? [1, 3, ph, pw] : [1, ph, pw, 3];
      return { [input.name]: new ort.Tensor('float32', data, dims) };
    },
    decode(outputs, tile, width, height, pw) {
      const out = outputs[output.name];
      if (!out) throw new Error(`model ${manifest.id} produced no "${output.name}"`);
      const src = out.data as Float32Array;
      const ow = width * scale;
      const oh = height * scale;
      const opw = pw * scale;
      const expectedH = out.dims[output.layout === 'NCHW' ? 2 : 1];
      const expectedW = out.dims[output.layout === 'NCHW' ? 3 : 2];
      if (expectedW !== opw || expectedH === undefined || expectedH < oh) {
        throw new Error(`model ${manifest.id} returned ${out.dims.join('x')}, expected width ${opw} (scale ${scale})`);
      }
      const plane = opw * expectedH;
      const k = 255 / (outHi - outLo);
      const result = new Float32Array(ow * oh * sourceChannels);
      const sample = (c: number, y: number, x: number) =>
        (src[output.layout === 'NCHW' ? c * plane + y * opw + x : (y * opw + x) * 3 + c]! - outLo) * k;
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const o = (y * ow + x) * sourceChannels;
          if (colourChannels === 1) {
            result[o] = 0.299 * sample(0, y, x) + 0.587 * sample(1, y, x) + 0.114 * sample(2, y, x);
          } else {
            result[o] = sample(0, y, x);
            result[o + 1] = sample(1, y, x);
            result[o + 2] = sample(2, y, x);
          }
        }
      }
      if (hasAlpha) resizeAlphaBilinear(tile, width, height, sourceChannels, scale, result);
      return result;
    },
  };
}

/** Bilinear (half-pixel centres) resize of the last channel of `tile` into the last channel of `out`. */
function resizeAlphaBilinear(tile: Uint8Array, width: number, height: number, channels: number, scale: number, out: Float32Array): void {
  const ow = width * scale;
  const oh = height * scale;
  const a = channels - 1;
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(Math.max((y + 0.5) / scale - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(Math.max((x + 0.5) / scale - 0.5, 0), width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, width - 1);
      const wx = fx - x0;
      const at = (yy: number, xx: number) => tile[(yy * width + xx) * channels + a]!;
      const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
      const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
      out[(y * ow + x) * channels + a] = top * (1 - wy) + bottom * wy;
    }
  }
}
