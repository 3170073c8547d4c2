import type { DType, FloatArray } from '../data/types';
import { adamW, sgd, type Optimizer } from '../optim';
import { sparseInputOf } from '../prep/apply';
import type { FittedPrep } from '../prep/prep';
import type { HParams } from './hparams';
import { initParams } from './init';
import { createJsNetwork } from './js-network';
import { modelLayout, type ModelLayout } from './layout';
import { allocFloat, type Network } from './network';
import { createWasmNetwork } from './wasm-network';
import { wasmSimdSupported } from '../wasm/support';

/** Gradients are clipped to this global L2 norm (the book's `gradient_clip_val`). */
export const CLIP_NORM = 0.5;
/** AdamW's decoupled weight decay (PyTorch's default, which the book kept). */
export const WEIGHT_DECAY = 0.01;

/** The DcTaxiModel with its optimizer state: everything needed to train in memory. */
export interface Model {
  readonly hparams: HParams;
  readonly dtype: DType;
  readonly layout: ModelLayout;
  readonly network: Network;
  readonly optimizer: Optimizer;
  /** Flat parameters (PyTorch `named_parameters()` order); a view, re-read it after a step. */
  readonly params: FloatArray;
  /** Flat gradients of the last step, same layout as params. */
  readonly grads: FloatArray;
  /** BatchNorm running means and variances. */
  readonly stats: FloatArray;
  /** The fitted data preparation the network's inputs went through (issue 10); absent = raw features. */
  readonly prep?: FittedPrep;
}

/** Options of createModel. */
export interface CreateModelOptions {
  /** `wasm`: generated SIMD kernels; `js`: the plain reference kernels. @default 'wasm' when SIMD is available */
  readonly backend?: 'wasm' | 'js';
  /** Rows the buffers are allocated for (they grow if a larger batch comes). @default hparams.batch_size */
  readonly capacityRows?: number;
  /** Let the WebAssembly kernels use fused multiply-add (relaxed SIMD). @default true where available */
  readonly fma?: boolean;
  /** The fitted data preparation to keep with the model (saved in its file, applied by predict). */
  readonly prep?: FittedPrep;
}

/** Builds and initialises the model (seeded PyTorch-default init) and its optimizer. */
export function createModel(hparams: HParams, dtype: DType, opts: CreateModelOptions = {}): Model {
  // Binned coordinates reach the network as sparse one-hot indices (see Preparer).
  const sparse = opts.prep ? sparseInputOf(opts.prep.bins) : undefined;
  const layout = modelLayout(hparams, sparse);
  const backend = opts.backend ?? (wasmSimdSupported() ? 'wasm' : 'js');
  let network: Network;
  if (backend === 'wasm') {
    network = createWasmNetwork(layout, dtype, opts.capacityRows ?? hparams.batch_size, opts.fma ?? true);
  } else {
    network = createJsNetwork(layout, dtype, allocFloat(dtype, layout.numParams), allocFloat(dtype, layout.numStats));
  }
  initParams(layout, hparams.seed, network.params, network.stats);
  const optimizer =
    hparams.optimizer === 'Adam'
      ? adamW(layout.numParams, dtype, { lr: hparams.lr, weightDecay: WEIGHT_DECAY })
      : sgd(layout.numParams, hparams.lr);
  return {
    hparams, dtype, layout, network, optimizer,
    ...(opts.prep ? { prep: opts.prep } : {}),
    get params() {
      return network.params;
    },
    get grads() {
      return network.grads;
    },
    get stats() {
      return network.stats;
    },
  };
}

/**
 * Evaluation-mode predictions (BatchNorm uses running statistics) for a row-major `x: [rows, num_features]`
 * (with a sparse input layout: `x: [rows, dense]` and the one-hot column indices `hot: [rows, perRow]`).
 * Writes into `out` when given (length ≥ rows), else into a new array. `sameParams`: nothing changed
 * the model since the previous call (see Network.predict).
 */
export function forward(model: Model, x: FloatArray, rows: number, out?: FloatArray, hot?: Int32Array, sameParams = false): FloatArray {
  checkInput(model.layout, x, rows, hot);
  const y = out ?? allocFloat(model.dtype, rows);
  model.network.predict(x, rows, y, hot, sameParams);
  return y;
}

/** Throws unless `x` (and `hot`) hold `rows` rows of the layout's input encoding. */
export function checkInput(layout: ModelLayout, x: FloatArray, rows: number, hot: Int32Array | undefined): void {
  const sp = layout.sparse;
  const nf = sp ? sp.dense : layout.dims[0];
  if (x.length < rows * nf) throw new RangeError(`x has ${x.length} values, expected [${rows}, ${nf}] = ${rows * nf}`);
  if (sp && (!hot || hot.length < rows * sp.perRow)) {
    throw new RangeError(`this model takes sparse one-hot inputs: expected ${rows * sp.perRow} column indices, got ${hot ? hot.length : 'none'}`);
  }
  if (!sp && hot) throw new RangeError('this model takes dense inputs, but one-hot column indices were given');
}
