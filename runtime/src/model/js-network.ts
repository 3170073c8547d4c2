import type { DType, FloatArray } from '../data/types';
import type { ModelLayout } from './layout';
import {
  batchNormBackward, batchNormForwardEval, batchNormForwardTrain, linearBackward, linearForward,
  mseBackward, mseForward, reluBackward, reluForward,
} from './layers';
import { allocFloat, type Network } from './network';

interface Buffers {
  rows: number;
  /** Per Linear l: its input activations A_l, BN output Z_l and x̂_l, pre-activation P_l. */
  act: FloatArray[];
  z: FloatArray[];
  xhat: FloatArray[];
  invstd: Float64Array[];
  pre: FloatArray[];
  dpre: FloatArray[];
  dz: FloatArray[];
  dact: FloatArray[];
}

/**
 * The reference implementation: one plain-JS layer kernel after another on row-major arrays. Slow
 * but obviously right; the WebAssembly network is tested against it. Sparse one-hot inputs are
 * written out dense into its (reused) input buffer.
 */
export function createJsNetwork(layout: ModelLayout, dtype: DType, params: FloatArray, stats: FloatArray): Network {
  const grads = allocFloat(dtype, layout.numParams);
  let buf: Buffers | undefined;
  const buffers = (rows: number): Buffers => {
    if (buf && buf.rows >= rows) return buf;
    const mk = (f: number): FloatArray => allocFloat(dtype, rows * f);
    const L = layout.linears;
    buf = {
      rows,
      act: L.map((s) => mk(s.in)),
      z: L.map((s) => mk(layout.batchNorm ? s.in : 0)),
      xhat: L.map((s) => mk(layout.batchNorm ? s.in : 0)),
      invstd: L.map((s) => new Float64Array(s.in)),
      pre: L.map((s) => mk(s.out)),
      dpre: L.map((s) => mk(s.out)),
      dz: L.map((s) => mk(s.in)),
      dact: L.map((s) => mk(s.in)),
    };
    return buf;
  };

  /** The dense input rows: `x` as given, or (sparse layout) its dense columns with the one-hot ones written in. */
  const input = (x: FloatArray, rows: number, hot: Int32Array | undefined, a: FloatArray): void => {
    const sp = layout.sparse;
    const nf = layout.dims[0];
    if (!sp || !hot) {
      a.set(x.subarray(0, rows * nf));
      return;
    }
    a.fill(0, 0, rows * nf);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < sp.dense; i++) a[r * nf + i] = x[r * sp.dense + i];
      for (let c = 0; c < sp.perRow; c++) a[r * nf + hot[r * sp.perRow + c]] = 1;
    }
  };

  const forward = (x: FloatArray, rows: number, train: boolean, hot: Int32Array | undefined): FloatArray => {
    const b = buffers(rows);
    const L = layout.linears;
    input(x, rows, hot, b.act[0]);
    for (let l = 0; l < L.length; l++) {
      const s = L[l];
      let input = b.act[l];
      if (layout.batchNorm) {
        if (train) {
          batchNormForwardTrain(input, rows, s.in, params, s.gamma, s.beta, stats, s.runningMean, s.runningVar, b.z[l], b.xhat[l], b.invstd[l]);
        } else {
          batchNormForwardEval(input, rows, s.in, params, s.gamma, s.beta, stats, s.runningMean, s.runningVar, b.z[l]);
        }
        input = b.z[l];
      }
      linearForward(input, rows, s.in, s.out, params, s.weight, s.bias, b.pre[l]);
      if (s.relu) reluForward(b.pre[l], rows * s.out, b.act[l + 1]);
    }
    return b.pre[L.length - 1];
  };

  return {
    backend: 'js',
    params,
    grads,
    stats,
    lossAndGrad(x, y, rows, hot) {
      const yhat = forward(x, rows, true, hot);
      const b = buffers(rows);
      const L = layout.linears;
      const sse = mseForward(yhat, y, rows);
      mseBackward(yhat, y, rows, b.dpre[L.length - 1]);
      for (let l = L.length - 1; l >= 0; l--) {
        const s = L[l];
        const input = layout.batchNorm ? b.z[l] : b.act[l];
        const needDx = l > 0 || layout.batchNorm;
        const dlin = layout.batchNorm ? b.dz[l] : b.dact[l];
        linearBackward(input, b.dpre[l], rows, s.in, s.out, params, s.weight, s.bias, grads, needDx ? dlin : undefined);
        if (layout.batchNorm) {
          batchNormBackward(b.dz[l], b.xhat[l], b.invstd[l], rows, s.in, params, s.gamma, grads, s.beta, l > 0 ? b.dact[l] : undefined);
        }
        if (l > 0) reluBackward(b.dact[l], b.act[l], rows * s.in, b.dpre[l - 1]);
      }
      return sse;
    },
    predict(x, rows, out, hot) {
      const yhat = forward(x, rows, false, hot);
      out.set(yhat.subarray(0, rows));
    },
  };
}
