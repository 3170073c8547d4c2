import { ProtoWriter } from './protobuf';

/** TensorProto.DataType FLOAT (float32). */
export const ONNX_FLOAT = 1;
/** TensorProto.DataType INT64. */
export const ONNX_INT64 = 7;
/** TensorProto.DataType DOUBLE (float64). */
export const ONNX_DOUBLE = 11;

const ATTR_FLOAT = 1; // AttributeProto.AttributeType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

/** A TensorProto (little-endian raw_data) of float32, float64 or int64 values. */
export function tensor(name: string, type: typeof ONNX_FLOAT | typeof ONNX_DOUBLE | typeof ONNX_INT64, dims: readonly number[], values: ArrayLike<number>): ProtoWriter {
  const size = type === ONNX_FLOAT ? 4 : 8;
  const raw = new Uint8Array(values.length * size);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (type === ONNX_FLOAT) dv.setFloat32(4 * i, v, true);
    else if (type === ONNX_DOUBLE) dv.setFloat64(8 * i, v, true);
    else dv.setBigInt64(8 * i, BigInt(v), true);
  }
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  return t.int(2, type).string(8, name).bytes(9, raw);
}

/** An INT attribute. */
export function intAttr(name: string, v: number): ProtoWriter {
  return new ProtoWriter().string(1, name).int(3, v).int(20, ATTR_INT);
}

/** A FLOAT attribute. */
export function floatAttr(name: string, v: number): ProtoWriter {
  return new ProtoWriter().string(1, name).float(2, v).int(20, ATTR_FLOAT);
}

/** A NodeProto of the default (ai.onnx) domain with one output. */
export function node(op: string, name: string, inputs: readonly string[], output: string, attrs: readonly ProtoWriter[] = []): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  n.string(2, output).string(3, name).string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

/** The element type of a graph input: float32, or float64 to hand the preparation the exact values predict reads. */
export type OnnxInputType = 'float32' | 'float64';

/** ValueInfoProto of a float32 (or float64) tensor `[batch, width]` with a symbolic batch dimension. */
export function valueInfo(name: string, width: number, type: OnnxInputType = 'float32'): ProtoWriter {
  const shape = new ProtoWriter()
    .message(1, new ProtoWriter().string(2, 'batch'))
    .message(1, new ProtoWriter().int(1, width));
  const tensorType = new ProtoWriter().int(1, type === 'float64' ? ONNX_DOUBLE : ONNX_FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Nodes and initializers of a piece of a graph, in topological order. */
export interface GraphPart {
  readonly nodes: ProtoWriter[];
  readonly initializers: ProtoWriter[];
}

/** What a ModelProto needs besides its graph's nodes. */
export interface ModelProtoOptions {
  readonly irVersion: number;
  readonly opset: number;
  readonly producerVersion: string;
  readonly graphName: string;
  readonly docString: string;
  /** Graph inputs `[batch, width]` (float32 unless `type` says otherwise) and float32 outputs. */
  readonly inputs: readonly { readonly name: string; readonly width: number; readonly type?: OnnxInputType }[];
  readonly outputs: readonly { readonly name: string; readonly width: number }[];
  /** `metadata_props` entries, in order. */
  readonly metadata: readonly (readonly [string, string])[];
}

/** Encodes a ModelProto whose graph is the given parts, concatenated in order. */
export function encodeModelProto(parts: readonly GraphPart[], o: ModelProtoOptions): Uint8Array {
  const g = new ProtoWriter();
  for (const p of parts) for (const n of p.nodes) g.message(1, n);
  g.string(2, o.graphName);
  for (const p of parts) for (const t of p.initializers) g.message(5, t);
  for (const i of o.inputs) g.message(11, valueInfo(i.name, i.width, i.type));
  for (const i of o.outputs) g.message(12, valueInfo(i.name, i.width));
  const m = new ProtoWriter()
    .int(1, o.irVersion)
    .string(2, 'dojo')
    .string(3, o.producerVersion)
    .string(6, o.docString)
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').int(2, o.opset));
  for (const [k, v] of o.metadata) m.message(14, new ProtoWriter().string(1, k).string(2, v));
  return m.finish();
}
