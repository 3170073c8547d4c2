import type { SparseInput } from '../prep/apply';
import type { HParams } from './hparams';

/** Where one Linear layer (and the BatchNorm1d before it) keeps its parameters in the flat array. */
export interface LinearSlot {
  /** Input and output features. */
  readonly in: number;
  readonly out: number;
  /** Offsets into the flat parameter (and gradient) array; gamma/beta are -1 without BatchNorm. */
  readonly gamma: number;
  readonly beta: number;
  /** Weight `[out, in]`, row-major as PyTorch's `Linear.weight`. */
  readonly weight: number;
  readonly bias: number;
  /** Offsets of this BatchNorm's running mean and variance in the stats array; -1 without BatchNorm. */
  readonly runningMean: number;
  readonly runningVar: number;
  /** ReLU after this Linear (all but the last). */
  readonly relu: boolean;
}

/**
 * The parameter layout of DcTaxiModel: for each Linear, in PyTorch's `named_parameters()` order,
 * `[bn.weight, bn.bias,] linear.weight, linear.bias`, all in one flat array so that one allreduce
 * moves every gradient.
 */
export interface ModelLayout {
  readonly dims: readonly number[];
  readonly batchNorm: boolean;
  readonly linears: readonly LinearSlot[];
  readonly numParams: number;
  /** Size of the running-statistics array (BatchNorm buffers, kept per replica). */
  readonly numStats: number;
  /** Present when the inputs arrive sparse (one-hot blocks); the parameters are the same either way. */
  readonly sparse?: SparseInput;
}

/** Computes the flat layout for the given hyperparameters (and the sparse input encoding, if any). */
export function modelLayout(hp: Pick<HParams, 'num_features' | 'num_hidden_neurons' | 'batch_norm_linear_layers'>, sparse?: SparseInput): ModelLayout {
  const dims = [hp.num_features, ...hp.num_hidden_neurons, 1];
  const bn = hp.batch_norm_linear_layers === 1;
  const linears: LinearSlot[] = [];
  let p = 0;
  let s = 0;
  for (let l = 0; l + 1 < dims.length; l++) {
    const a = dims[l];
    const b = dims[l + 1];
    const gamma = bn ? p : -1;
    const beta = bn ? p + a : -1;
    if (bn) p += 2 * a;
    const weight = p;
    p += a * b;
    const bias = p;
    p += b;
    const runningMean = bn ? s : -1;
    const runningVar = bn ? s + a : -1;
    if (bn) s += 2 * a;
    linears.push({ in: a, out: b, gamma, beta, weight, bias, runningMean, runningVar, relu: l + 2 < dims.length });
  }
  if (sparse && !(Number.isInteger(sparse.dense) && sparse.dense >= 0 && sparse.perRow >= 1 && sparse.dense + sparse.perRow <= dims[0])) {
    throw new RangeError(`sparse input ${JSON.stringify(sparse)} does not fit num_features=${dims[0]}`);
  }
  return { dims, batchNorm: bn, linears, numParams: p, numStats: s, ...(sparse ? { sparse } : {}) };
}
