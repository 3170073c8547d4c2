import type { DType, FloatArray } from '../data/types';

/** Allocates a zeroed typed array of the dtype. */
export function allocFloat(dtype: DType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/**
 * One implementation of the DcTaxiModel's forward and backward passes (the JS reference or the
 * WebAssembly kernels). Both share the flat layouts of `ModelLayout`.
 */
export interface Network {
  readonly backend: 'js' | 'wasm';
  /** All parameters, one flat array (see ModelLayout). */
  readonly params: FloatArray;
  /** All gradients, same layout as params. */
  readonly grads: FloatArray;
  /** BatchNorm running means and variances (per replica, never reduced). */
  readonly stats: FloatArray;
  /**
   * Training-mode forward and backward of the MSE loss over a row-major batch `x: [rows, in]`,
   * `y: [rows]`: overwrites `grads`, updates running statistics and returns the sum of squared errors.
   * With a sparse input layout, `x` is `[rows, dense]` and `hot` `[rows, perRow]` (see SparseInput).
   */
  lossAndGrad(x: FloatArray, y: FloatArray, rows: number, hot?: Int32Array): number;
  /**
   * Evaluation-mode predictions (running statistics) into `out[rows]`. `sameParams`: parameters and
   * running statistics are unchanged since the previous predict call (the batches of one evaluation
   * pass), so a network may reuse what it derived from them then; the predictions are the same.
   */
  predict(x: FloatArray, rows: number, out: FloatArray, hot?: Int32Array, sameParams?: boolean): void;
}
