import type { DType } from '../data/types';
import type { ProtoWriter } from './protobuf';
import { COORD_COLUMNS, numericColumns, type FittedPrep } from '../prep/prep';
import { ONNX_DOUBLE, ONNX_FLOAT, ONNX_INT64, intAttr, node, tensor, type GraphPart, type OnnxInputType } from './onnx-proto';

/**
 * The fitted data preparation (the Preparer of runtime/src/prep/apply.ts) as ONNX nodes (opset 13):
 * raw features `input: [batch, 8]` (float32, or float64 with `inputType`) → the network's dense
 * input `output: [batch, 4 + 4·bins]` (or `[batch, 8]` without bins) float32.
 *
 * The arithmetic runs in float64, as predict's does (it computes in JS doubles on the values it read:
 * float32 for a float32 model, float64 for a float64 one): imputed means, centres, spreads and bin
 * ranges are float64 constants and every operation is the one predict performs, in its order, so the
 * numeric columns round to the same float32 and every coordinate lands in the same bin, edges
 * included. Without missing=mean a NaN feature stays NaN (see `nanGuard`).
 */
export function prepGraph(prep: FittedPrep, input: string, output: string, inputType: OnnxInputType = 'float32', dtype: DType = 'float32'): GraphPart {
  const nodes: ProtoWriter[] = [];
  const initializers: ProtoWriter[] = [];
  const step = (op: string, inputs: readonly string[], out: string, attrs: Parameters<typeof node>[4] = []): string => {
    nodes.push(node(op, out, inputs, out, attrs));
    return out;
  };
  const double = (name: string, dims: readonly number[], values: readonly number[]): string => {
    initializers.push(tensor(name, ONNX_DOUBLE, dims, values));
    return name;
  };
  const int64 = (name: string, dims: readonly number[], values: readonly number[]): string => {
    initializers.push(tensor(name, ONNX_INT64, dims, values));
    return name;
  };

  let x = inputType === 'float64' ? input : step('Cast', [input], 'prep.x64', [intAttr('to', ONNX_DOUBLE)]);
  if (prep.missing === 'mean') {
    // predict's reader marks empty, non-numeric, NaN and ±Infinity fields alike: all are imputed.
    const bad = step('Or', [step('IsNaN', [x], 'prep.is_nan'), step('IsInf', [x], 'prep.is_inf')], 'prep.bad');
    // The Preparer imputes a float32 model's means rounded to float32 (what a written-in mean reads as).
    const means = dtype === 'float32' ? prep.means.map((m) => Math.fround(m)) : prep.means;
    x = step('Where', [bad, double('prep.means', [means.length], means), x], 'prep.imputed');
  }

  const cols = numericColumns(prep.bins);
  let num = cols.length === 8 && cols.every((c, i) => c === i) ? x : step('Gather', [x, int64('prep.numeric_columns', [cols.length], cols)], 'prep.numeric', [intAttr('axis', 1)]);
  if (prep.center.some((c) => c !== 0) || prep.spread.some((s) => s !== 1)) {
    num = step('Sub', [num, double('prep.center', [cols.length], prep.center)], 'prep.centered');
    num = step('Div', [num, double('prep.spread', [cols.length], prep.spread)], 'prep.scaled');
  }
  const numOut = prep.bins > 0 ? 'prep.numeric_f32' : output;
  step('Cast', [num], numOut, [intAttr('to', ONNX_FLOAT)]);
  if (prep.bins === 0) return { nodes, initializers };

  // binIndex(v, lo, hi, n) = clamp(floor(((v - lo) * n) / (hi - lo)), 0, n - 1), block c = coordinate c.
  const n = prep.bins;
  const ranges = COORD_COLUMNS.map((_, c) => (c % 2 === 0 ? prep.lat : prep.lon));
  const coords = step('Gather', [x, int64('prep.coord_columns', [COORD_COLUMNS.length], COORD_COLUMNS)], 'prep.coords', [intAttr('axis', 1)]);
  const shifted = step('Sub', [coords, double('prep.bin_low', [ranges.length], ranges.map((r) => r[0]))], 'prep.bin_shifted');
  const stretched = step('Mul', [shifted, double('prep.bin_count', [], [n])], 'prep.bin_stretched');
  const real = step('Div', [stretched, double('prep.bin_width', [ranges.length], ranges.map((r) => r[1] - r[0]))], 'prep.bin_real');
  const floor = step('Floor', [real], 'prep.bin_floor');
  const clamped = step('Clip', [floor, double('prep.bin_first', [], [0]), double('prep.bin_last', [], [n - 1])], 'prep.bin_clamped');
  const index = step('Cast', [clamped], 'prep.bin_index', [intAttr('to', ONNX_INT64)]);
  initializers.push(tensor('prep.onehot_values', ONNX_FLOAT, [2], [0, 1]));
  const hot = step('OneHot', [index, int64('prep.onehot_depth', [1], [n]), 'prep.onehot_values'], 'prep.onehot_blocks', [intAttr('axis', -1)]);
  const flat = step('Reshape', [hot, int64('prep.onehot_shape', [2], [0, COORD_COLUMNS.length * n])], 'prep.onehot');
  step('Concat', [numOut, flat], output, [intAttr('axis', 1)]);
  return { nodes, initializers };
}

/**
 * `output = prediction + Σ_k 0·input[:, k]`: adds exactly 0 to a row whose raw features are all
 * finite, and NaN to a row with a NaN or infinite one. For preparations that do not impute (predict
 * refuses such rows), so that they never get a plausible-looking prediction: a binned NaN coordinate
 * would otherwise fall out of every bin and ReLU may turn NaN into 0.
 */
export function nanGuard(input: string, prediction: string, output: string, inputType: OnnxInputType = 'float32'): GraphPart {
  const double = inputType === 'float64';
  const nodes = [
    node('Mul', 'prep.guard_zero', [input, 'prep.guard_zero_factor'], 'prep.guard_zero'),
    node('ReduceSum', 'prep.guard', ['prep.guard_zero', 'prep.guard_axes'], 'prep.guard', [intAttr('keepdims', 1)]),
  ];
  if (double) nodes.push(node('Cast', 'prep.guard_f32', ['prep.guard'], 'prep.guard_f32', [intAttr('to', ONNX_FLOAT)]));
  nodes.push(node('Add', output, [prediction, double ? 'prep.guard_f32' : 'prep.guard'], output));
  return {
    nodes,
    initializers: [tensor('prep.guard_zero_factor', double ? ONNX_DOUBLE : ONNX_FLOAT, [], [0]), tensor('prep.guard_axes', ONNX_INT64, [1], [1])],
  };
}
