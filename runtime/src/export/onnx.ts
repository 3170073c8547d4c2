import { DojoError } from '../../../lib/errors';
import { BN_EPS } from '../model/layers';
import type { Model } from '../model';
import { tensorSlots, type ModelHeader } from '../model-file/format';
import { ProtoWriter } from './protobuf';

/** The ONNX operator set the exported graph targets (Gemm, Relu, BatchNormalization). */
export const ONNX_OPSET = 13;
/** ONNX IR version 7 is the first that opset 13 may use. */
export const ONNX_IR_VERSION = 7;
/** Name of the graph input `[batch, num_features]` and output `[batch, 1]`. */
export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'prediction';

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_FLOAT = 1; // AttributeProto.AttributeType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

/** TensorProto of float32 values (raw_data, little-endian). */
function tensor(name: string, dims: readonly number[], values: ArrayLike<number>): ProtoWriter {
  const raw = new Uint8Array(values.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(4 * i, values[i]!, true);
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  return t.int(2, FLOAT).string(8, name).bytes(9, raw);
}

/** ValueInfoProto of a float tensor `[batch, width]` with a symbolic batch dimension. */
function valueInfo(name: string, width: number): ProtoWriter {
  const shape = new ProtoWriter()
    .message(1, new ProtoWriter().string(2, 'batch'))
    .message(1, new ProtoWriter().int(1, width));
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function node(op: string, name: string, inputs: readonly string[], output: string, attrs: ProtoWriter[] = []): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  n.string(2, output).string(3, name).string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

/**
 * Encodes the model as an ONNX ModelProto (opset 13): per Linear, `[BatchNormalization →] Gemm
 * (transB=1) [→ Relu]`, weights as float32 initializers named as in the model file. A float64
 * model is exported in float32 (ONNX runtimes rarely run double Gemm); predictions then agree to
 * float32 rounding.
 */
export function exportOnnx(model: Model, header: ModelHeader, producerVersion = '0.1.0'): Uint8Array {
  if (header.preprocessing) {
    throw new DojoError('USAGE', 'model export --format onnx: this model has a data-preparation stage (preprocessing), which the ONNX export does not encode yet');
  }
  const { layout } = model;
  const g = new ProtoWriter();
  let cur = ONNX_INPUT;
  layout.linears.forEach((s, l) => {
    if (layout.batchNorm) {
      const out = `linears.${l}.bn.out`;
      const eps = new ProtoWriter().string(1, 'epsilon').float(2, BN_EPS).int(20, ATTR_FLOAT);
      g.message(1, node('BatchNormalization', `linears.${l}.bn`, [cur, ...['weight', 'bias', 'running_mean', 'running_var'].map((p) => `linears.${l}.bn.${p}`)], out, [eps]));
      cur = out;
    }
    const last = l === layout.linears.length - 1;
    const gemmOut = last ? ONNX_OUTPUT : `linears.${l}.out`;
    const transB = new ProtoWriter().string(1, 'transB').int(3, 1).int(20, ATTR_INT);
    g.message(1, node('Gemm', `linears.${l}`, [cur, `linears.${l}.weight`, `linears.${l}.bias`], gemmOut, [transB]));
    cur = gemmOut;
    if (s.relu) {
      g.message(1, node('Relu', `relu.${l}`, [cur], `relu.${l}.out`));
      cur = `relu.${l}.out`;
    }
  });
  g.string(2, 'dojo_fare_mlp');
  for (const t of tensorSlots(layout)) {
    const src = t.source === 'params' ? model.params : model.stats;
    g.message(5, tensor(t.name, t.shape, src.subarray(t.start, t.start + t.length)));
  }
  g.message(11, valueInfo(ONNX_INPUT, layout.dims[0]!));
  g.message(12, valueInfo(ONNX_OUTPUT, 1));
  const meta = (k: string, v: string): ProtoWriter => new ProtoWriter().string(1, k).string(2, v);
  return new ProtoWriter()
    .int(1, ONNX_IR_VERSION)
    .string(2, 'dojo')
    .string(3, producerVersion)
    .string(6, `DC-taxi fare MLP exported from a dojo model file (trained in ${header.dtype}); input columns: ${header.features.join(', ')}`)
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').int(2, ONNX_OPSET))
    .message(14, meta('dojo.features', JSON.stringify(header.features)))
    .message(14, meta('dojo.dtype', header.dtype))
    .message(14, meta('dojo.hparams', JSON.stringify(header.hparams)))
    .finish();
}
