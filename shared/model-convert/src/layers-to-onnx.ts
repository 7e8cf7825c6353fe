import type { OnnxGraph, OnnxInitializer, OnnxNode } from './onnx-model.ts';
import { UnsupportedModelError, type TfjsLayer, type TfjsLayersModel } from './tfjs-layers-model.ts';

/** Names of the converted graph's single input and output (NCHW float32). */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';

/**
 * Translates a Keras/TF.js functional model into an ONNX graph in NCHW layout.
 * Only the layers the UpscalerJS ESRGAN families use are supported; anything else
 * is refused by name rather than converted approximately.
 */
export function layersModelToOnnxGraph(model: TfjsLayersModel): OnnxGraph {
  const config = model.json.modelTopology.model_config.config;
  if (config.input_layers.length !== 1 || config.output_layers.length !== 1) {
    throw new UnsupportedModelError('only single-input, single-output models are supported');
  }
  const inputLayer = config.input_layers[0]![0];
  const outputLayer = config.output_layers[0]![0];

  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  const tensorName = (layer: string): string => (layer === inputLayer ? ONNX_INPUT : layer === outputLayer ? ONNX_OUTPUT : layer);

  const weight = (layer: TfjsLayer, suffix: string) => {
    const w = model.weights.get(`${layer.config.name}/${suffix}`);
    if (!w) throw new UnsupportedModelError(`layer ${layer.name}: weight ${layer.config.name}/${suffix} not found`);
    return w;
  };

  for (const layer of config.layers) {
    if (layer.class_name === 'InputLayer') continue;
    if (layer.inbound_nodes.length !== 1) {
      throw new UnsupportedModelError(`layer ${layer.name}: shared layers (called ${layer.inbound_nodes.length} times) are not supported`);
    }
    const inputs = layer.inbound_nodes[0]!.map(([name, nodeIndex, tensorIndex]) => {
      if (nodeIndex !== 0 || tensorIndex !== 0)
        throw new UnsupportedModelError(`layer ${layer.name}: multi-output inbound tensors are not supported`);
      return tensorName(name);
    });
    const out = tensorName(layer.name);
    nodes.push(...translateLayer(layer, inputs, out, weight, initializers));
  }
  return {
    name: config.name,
    nodes,
    initializers,
    inputs: [{ name: ONNX_INPUT, dims: [1, 3, 'height', 'width'] }],
    outputs: [{ name: ONNX_OUTPUT, dims: [1, 3, 'out_height', 'out_width'] }],
  };
}

type WeightLookup = (layer: TfjsLayer, suffix: string) => { readonly shape: readonly number[]; readonly values: Float32Array };

function translateLayer(
  layer: TfjsLayer,
  inputs: string[],
  out: string,
  weight: WeightLookup,
  initializers: OnnxInitializer[],
): OnnxNode[] {
  const c = layer.config as Record<string, unknown>;
  const name = layer.name;
  switch (layer.class_name) {
    case 'Conv2D': {
      assertConv2dSupported(layer);
      const kernel = weight(layer, 'kernel');
      const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
      initializers.push({ name: `${name}/kernel`, dims: [cout, cin, kh, kw], data: hwioToOihw(kernel.values, kh, kw, cin, cout) });
      const convInputs = [inputs[0]!, `${name}/kernel`];
      if (c.use_bias) {
        const bias = weight(layer, 'bias');
        initializers.push({ name: `${name}/bias`, dims: [cout], data: bias.values });
        convInputs.push(`${name}/bias`);
      }
      // TF "same" pads (k-1)/2 on each side for odd kernels; "valid" pads nothing.
      const pads = c.padding === 'same' ? [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2] : [0, 0, 0, 0];
      const activation = c.activation as string;
      const convOut = activation === 'linear' ? out : `${name}/preact`;
      const conv: OnnxNode = {
        opType: 'Conv',
        name,
        inputs: convInputs,
        outputs: [convOut],
        attributes: { kernel_shape: [kh, kw], strides: [1, 1], dilations: [1, 1], pads, group: 1 },
      };
      return activation === 'linear' ? [conv] : [conv, activationNode(`${name}/activation`, activation, convOut, out)];
    }
    case 'Activation':
      return [activationNode(name, c.activation as string, inputs[0]!, out)];
    case 'Concatenate': {
      const axis = c.axis as number;
      if (axis !== 3 && axis !== -1) throw new UnsupportedModelError(`layer ${name}: concatenation on axis ${axis} (only channels)`);
      return [{ opType: 'Concat', name, inputs, outputs: [out], attributes: { axis: 1 } }];
    }
    case 'Add':
      return [{ opType: inputs.length === 2 ? 'Add' : 'Sum', name, inputs, outputs: [out] }];
    case 'UpSampling2D': {
      const [sh, sw] = c.size as [number, number];
      if (c.interpolation !== 'nearest') throw new UnsupportedModelError(`layer ${name}: ${String(c.interpolation)} upsampling`);
      // Nearest with integer factors is pixel repetition: asymmetric coordinates + floor reproduce it exactly.
      initializers.push({ name: `${name}/scales`, dims: [4], data: Float32Array.of(1, 1, sh, sw) });
      return [
        {
          opType: 'Resize',
          name,
          inputs: [inputs[0]!, '', `${name}/scales`],
          outputs: [out],
          attributes: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
        },
      ];
    }
    default:
      if (layer.class_name === 'MultiplyBeta') {
        // Defined in code by @upscalerjs (esrgan.js): tf.mul(x, beta), beta = 0.2.
        const beta = typeof c.beta === 'number' ? c.beta : 0.2;
        initializers.push({ name: `${name}/beta`, dims: [], data: Float32Array.of(beta) });
        return [{ opType: 'Mul', name, inputs: [inputs[0]!, `${name}/beta`], outputs: [out] }];
      }
      if (/^PixelShuffle\d+x$/.test(layer.class_name)) {
        // Defined in code by @upscalerjs as tf.depthToSpace(x, scale, 'NHWC'): TF's order is DCR.
        const scale = (c.scale as number | undefined) ?? Number(/\d+/.exec(layer.class_name)![0]);
        return [{ opType: 'DepthToSpace', name, inputs: [inputs[0]!], outputs: [out], attributes: { blocksize: scale, mode: 'DCR' } }];
      }
      throw new UnsupportedModelError(`layer ${name}: class ${layer.class_name} is not supported by the converter`);
  }
}

function activationNode(name: string, activation: string, input: string, out: string): OnnxNode {
  if (activation !== 'relu') throw new UnsupportedModelError(`layer ${name}: activation "${activation}" is not supported`);
  return { opType: 'Relu', name, inputs: [input], outputs: [out] };
}

function assertConv2dSupported(layer: TfjsLayer): void {
  const c = layer.config as Record<string, unknown>;
  const ones = (v: unknown) => Array.isArray(v) && v.every((x) => x === 1);
  const [kh, kw] = c.kernel_size as [number, number];
  const problems = [
    c.data_format !== 'channels_last' && `data_format ${String(c.data_format)}`,
    !ones(c.strides) && `strides ${String(c.strides)}`,
    !ones(c.dilation_rate) && `dilation ${String(c.dilation_rate)}`,
    (c.groups ?? 1) !== 1 && `groups ${String(c.groups)}`,
    c.padding !== 'same' && c.padding !== 'valid' && `padding ${String(c.padding)}`,
    c.padding === 'same' && (kh % 2 === 0 || kw % 2 === 0) && `even kernel ${kh}x${kw} with same padding`,
  ].filter(Boolean);
  if (problems.length > 0) throw new UnsupportedModelError(`layer ${layer.name}: unsupported Conv2D (${problems.join(', ')})`);
}

/** Keras kernels are [kh, kw, in, out]; ONNX Conv wants [out, in, kh, kw]. */
function hwioToOihw(src: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) dst[((o * cin + i) * kh + y) * kw + x] = src[((y * kw + x) * cin + i) * cout + o]!;
  return dst;
}
