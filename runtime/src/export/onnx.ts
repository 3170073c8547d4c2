import type { DType } from '../data/types';
import { DojoError } from '../../../lib/errors';
import { BN_EPS } from '../model/layers';
import type { Model } from '../model';
import { tensorSlots, type ModelHeader } from '../model-file/format';
import { NUM_FEATURES } from '../data/schema';
import { preparedWidth, type FittedPrep } from '../prep/prep';
import { ProtoWriter } from './protobuf';
import { ONNX_FLOAT, encodeModelProto, floatAttr, intAttr, node, tensor, type GraphPart, type OnnxInputType } from './onnx-proto';
import { nanGuard, prepGraph } from './onnx-prep';

/** The ONNX operator set the exported graph targets (Gemm, Relu, BatchNormalization; OneHot etc. for the preparation). */
export const ONNX_OPSET = 13;
/** ONNX IR version 7 is the first that opset 13 may use. */
export const ONNX_IR_VERSION = 7;
/** Name of the graph input `[batch, num_features]` (the 8 raw features when the graph prepares them). */
export const ONNX_INPUT = 'features';
/** Name of the graph output `[batch, 1]` (float32). */
export const ONNX_OUTPUT = 'prediction';
/** Name of the prepared network input inside a graph that encodes the preparation. */
export const ONNX_PREPARED = 'prepared';

/** The MLP: per Linear, `[BatchNormalization →] Gemm (transB=1) [→ Relu]`, from `input` to `output`. */
function networkGraph(model: Model, input: string, output: string): GraphPart {
  const { layout } = model;
  const nodes: ProtoWriter[] = [];
  let cur = input;
  layout.linears.forEach((s, l) => {
    if (layout.batchNorm) {
      const out = `linears.${l}.bn.out`;
      nodes.push(node('BatchNormalization', `linears.${l}.bn`, [cur, ...['weight', 'bias', 'running_mean', 'running_var'].map((p) => `linears.${l}.bn.${p}`)], out, [floatAttr('epsilon', BN_EPS)]));
      cur = out;
    }
    const last = l === layout.linears.length - 1;
    const gemmOut = last ? output : `linears.${l}.out`;
    nodes.push(node('Gemm', `linears.${l}`, [cur, `linears.${l}.weight`, `linears.${l}.bias`], gemmOut, [intAttr('transB', 1)]));
    cur = gemmOut;
    if (s.relu) {
      nodes.push(node('Relu', `relu.${l}`, [cur], `relu.${l}.out`));
      cur = `relu.${l}.out`;
    }
  });
  const initializers = tensorSlots(layout).map((t) => {
    const src = t.source === 'params' ? model.params : model.stats;
    return tensor(t.name, ONNX_FLOAT, t.shape, src.subarray(t.start, t.start + t.length));
  });
  return { nodes, initializers };
}

/** Options of exportOnnx. */
export interface OnnxExportOptions {
  /**
   * Element type of the `features` input. `float64` gives the preparation the exact values a float64
   * model's `dojo predict` reads, so a raw value float32 cannot hold (6-decimal coordinates on a
   * bin edge) lands in the same bin; the network itself runs in float32 either way.
   * @default 'float32'
   */
  readonly inputType?: OnnxInputType;
  /**
   * The model's dtype (exportOnnx takes the model's): a float32 model imputes its means rounded to
   * float32, as its Preparer does. Only exportPrepOnnx reads this option.
   * @default 'float32'
   */
  readonly dtype?: DType;
  /** @default '0.1.0' */
  readonly producerVersion?: string;
}

/**
 * Encodes the model as an ONNX ModelProto (opset 13): per Linear, `[BatchNormalization →] Gemm
 * (transB=1) [→ Relu]`, weights as float32 initializers named as in the model file. A float64
 * model is exported in float32 (ONNX runtimes rarely run double Gemm); predictions then agree to
 * float32 rounding. A model with a fitted preparation (issue 10) gets it as nodes in front of the
 * network (see prepGraph), so the graph takes the 8 raw features as `dojo predict` does, and the
 * preparation is also recorded in `metadata_props` (`dojo.preprocessing`).
 */
export function exportOnnx(model: Model, header: ModelHeader, opts: OnnxExportOptions = {}): Uint8Array {
  const prep = model.prep;
  const inputType = opts.inputType ?? 'float32';
  if (header.preprocessing && !prep) {
    throw new DojoError('USAGE', `model export --format onnx: this model's preprocessing section is not a dojo-prep section (keys ${JSON.stringify(Object.keys(header.preprocessing))}), so the export cannot encode it`);
  }
  if (prep && preparedWidth(prep.bins) !== model.layout.dims[0]) {
    throw new DojoError('BAD_DATA', `model export --format onnx: preprocessing.bins ${prep.bins} prepares ${preparedWidth(prep.bins)} inputs but hparams.num_features is ${model.layout.dims[0]}: the model file is inconsistent`);
  }
  const parts: GraphPart[] = [];
  if (prep) {
    parts.push(prepGraph(prep, ONNX_INPUT, ONNX_PREPARED, inputType, model.dtype));
    if (prep.missing === 'mean') {
      parts.push(networkGraph(model, ONNX_PREPARED, ONNX_OUTPUT));
    } else {
      parts.push(networkGraph(model, ONNX_PREPARED, 'network.out'), nanGuard(ONNX_INPUT, 'network.out', ONNX_OUTPUT, inputType));
    }
  } else if (inputType === 'float64') {
    parts.push({ nodes: [node('Cast', 'features.f32', [ONNX_INPUT], 'features.f32', [intAttr('to', ONNX_FLOAT)])], initializers: [] });
    parts.push(networkGraph(model, 'features.f32', ONNX_OUTPUT));
  } else {
    parts.push(networkGraph(model, ONNX_INPUT, ONNX_OUTPUT));
  }
  const inputs = prep ? `the 8 raw features (${header.features.join(', ')}), prepared inside the graph` : `input columns: ${header.features.join(', ')}`;
  return encodeModelProto(parts, {
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerVersion: opts.producerVersion ?? '0.1.0',
    graphName: 'dojo_fare_mlp',
    docString: `DC-taxi fare MLP exported from a dojo model file (trained in ${header.dtype}); ${inputs}`,
    inputs: [{ name: ONNX_INPUT, width: prep ? NUM_FEATURES : model.layout.dims[0]!, type: inputType }],
    outputs: [{ name: ONNX_OUTPUT, width: 1 }],
    metadata: [
      ['dojo.features', JSON.stringify(header.features)],
      ['dojo.dtype', header.dtype],
      ['dojo.hparams', JSON.stringify(header.hparams)],
      ['dojo.input_type', inputType],
      ...(prep ? [['dojo.preprocessing', JSON.stringify(prep)] as const] : []),
    ],
  });
}

/**
 * The preparation alone as an ONNX model: raw features `[batch, 8]` → the network's dense input
 * `prepared: [batch, 4 + 4·bins]` (one-hot blocks expanded). For inspecting what the full export
 * feeds its first layer.
 */
export function exportPrepOnnx(prep: FittedPrep, opts: OnnxExportOptions = {}): Uint8Array {
  const inputType = opts.inputType ?? 'float32';
  return encodeModelProto([prepGraph(prep, ONNX_INPUT, ONNX_PREPARED, inputType, opts.dtype ?? 'float32')], {
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerVersion: opts.producerVersion ?? '0.1.0',
    graphName: 'dojo_prep',
    docString: 'dojo data preparation: raw DC-taxi features to the fare network input',
    inputs: [{ name: ONNX_INPUT, width: NUM_FEATURES, type: inputType }],
    outputs: [{ name: ONNX_PREPARED, width: preparedWidth(prep.bins) }],
    metadata: [['dojo.preprocessing', JSON.stringify(prep)]],
  });
}
