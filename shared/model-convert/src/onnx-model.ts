import { ProtoWriter } from './protobuf-writer.ts';

/** ONNX TensorProto.DataType values this converter emits. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;

/** ONNX AttributeProto.AttributeType values this converter emits. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export type OnnxAttribute = number | string | readonly number[] | { readonly float: number };

export interface OnnxNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, OnnxAttribute>>;
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** A graph input or output: dims are numbers or symbolic names such as "height". */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export interface OnnxModelMeta {
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString: string;
  readonly opset: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/** IR version 8 is what opset 17 ships with; any onnxruntime >= 1.13 loads it. */
const IR_VERSION = 8;

function writeAttribute(w: ProtoWriter, name: string, value: OnnxAttribute): void {
  w.string(1, name);
  if (typeof value === 'string') {
    w.bytes(4, new TextEncoder().encode(value)).int(20, AttributeType.STRING);
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integer ${value}`);
    w.int(3, value).int(20, AttributeType.INT);
  } else if (Array.isArray(value)) {
    w.packedInts(8, value as number[]).int(20, AttributeType.INTS);
  } else {
    w.float(2, (value as { float: number }).float).int(20, AttributeType.FLOAT);
  }
}

function writeTensor(w: ProtoWriter, t: OnnxInitializer): void {
  w.packedInts(1, t.dims);
  w.int(2, t.data instanceof Float32Array ? OnnxDataType.FLOAT : OnnxDataType.INT64);
  w.string(8, t.name);
  // raw_data is little-endian by the ONNX spec, which is what typed arrays hold on x86/ARM.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, OnnxDataType.FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.dims) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

/** Serialises a graph to ONNX ModelProto bytes. */
export function encodeOnnxModel(graph: OnnxGraph, meta: OnnxModelMeta): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, IR_VERSION);
  w.string(2, meta.producerName);
  w.string(3, meta.producerVersion);
  w.string(6, meta.docString);
  w.message(7, (g) => {
    for (const node of graph.nodes) {
      g.message(1, (n) => {
        for (const i of node.inputs) n.string(1, i);
        for (const o of node.outputs) n.string(2, o);
        n.string(3, node.name);
        n.string(4, node.opType);
        for (const [name, value] of Object.entries(node.attributes ?? {})) {
          n.message(5, (a) => writeAttribute(a, name, value));
        }
      });
    }
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of graph.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of graph.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (op) => op.string(1, '').int(2, meta.opset));
  for (const [key, value] of Object.entries(meta.metadata)) {
    w.message(14, (kv) => kv.string(1, key).string(2, value));
  }
  return w.finish();
}
