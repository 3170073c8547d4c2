import type { DType, FloatArray } from '../data/types';
import { BN_EPS, BN_MOMENTUM } from './layers';
import type { ModelLayout } from './layout';
import type { Network } from './network';
import { kernelModules } from './wasm/module-cache';
import { planMemory, dpreOf, type MemoryPlan } from './wasm/plan';
import { wasmFmaEnabled } from '../wasm/support';

type Kernel = (...args: number[]) => number;

/** Per-Linear scratch of the JS driver, allocated once. */
interface LayerScratch {
  invstd: Float64Array;
  /** Mean of the stored input (for the centred first input, what is left after centring). */
  mean: Float64Array;
  /** BatchNorm as an affine map z = sc·x + t. */
  sc: Float64Array;
  t: Float64Array;
  g: Float64Array;
  d: Float64Array;
  dgamma: Float64Array;
  dbeta: Float64Array;
  /** Per input: Σ_j W_ji·G_ji (the BatchNorm scale's gradient before centring). */
  wg: Float64Array;
}

interface State {
  plan: MemoryPlan;
  memory: WebAssembly.Memory;
  k: Record<string, Kernel>;
  f: FloatArray;
  params: FloatArray;
  grads: FloatArray;
  stats: FloatArray;
}

/**
 * The fast network: WebAssembly SIMD kernels generated for this model's layer sizes (see
 * wasm/kernels.ts), driven from JS. All buffers live in one WebAssembly.Memory allocated for
 * `capacityRows` rows; `params`, `grads` and `stats` are views into it (re-made if a larger batch
 * forces the memory to grow).
 *
 * BatchNorm is folded into the following Linear (W' = W·diag(s), b' = W·t + bias) and its backward
 * pass is expressed through the Linear's gradient sums, so no normalised copy is ever stored. The
 * first layer's input is centred in place before use, which keeps float32 from cancelling on raw
 * coordinates (mean ≫ spread).
 */
export function createWasmNetwork(layout: ModelLayout, dtype: DType, capacityRows: number, allowFma = true): Network {
  const L = layout.linears;
  const scratch: LayerScratch[] = L.map((s) => ({
    invstd: new Float64Array(s.in), mean: new Float64Array(s.in), sc: new Float64Array(s.in), t: new Float64Array(s.in),
    g: new Float64Array(s.in * s.out), d: new Float64Array(s.out), dgamma: new Float64Array(s.in), dbeta: new Float64Array(s.in), wg: new Float64Array(s.in),
  }));
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  /** Sparse inputs: ones per input column in the current training batch. */
  const hotCount = new Float64Array(layout.dims[0]);
  const sparse = layout.sparse;
  const fma = allowFma && wasmFmaEnabled();

  const build = (rows: number, previous?: State): State => {
    const plan = planMemory(layout, dtype, rows);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(plan.bytes / 65536) });
    const instance = new WebAssembly.Instance(kernelModules.get(plan, layout, { fma }), { env: { memory } });
    const k = instance.exports as unknown as Record<string, Kernel>;
    const f = new Arr(memory.buffer);
    const view = (off: number, n: number): FloatArray => new Arr(memory.buffer, off, n);
    const st: State = {
      plan, memory, k, f,
      params: view(plan.params, layout.numParams),
      grads: view(plan.grads, layout.numParams),
      stats: view(plan.stats, layout.numStats),
    };
    if (previous) {
      st.params.set(previous.params);
      st.grads.set(previous.grads);
      st.stats.set(previous.stats);
    }
    return st;
  };
  let S = build(capacityRows);
  /** The forward tables hold the evaluation-mode fold of the current parameters (see predict's sameParams). */
  let evalFolded = false;
  const ensure = (rows: number): void => {
    if (rows > S.plan.capacity) {
      S = build(rows, S);
      evalFolded = false;
    }
  };

  /**
   * Copies a row-major batch in, zero-pads it to whole vectors and transposes it to feature-major.
   * Sparse inputs: the one-hot column indices are copied too (padding rows point at the first one-hot
   * column; their gradient is zero) and counted per column for the first BatchNorm's statistics.
   */
  const load = (x: FloatArray, y: FloatArray | undefined, rows: number, nVec: number, hot: Int32Array | undefined): void => {
    const { plan, f } = S;
    const nf = plan.inDense;
    const xo = plan.xin / plan.elem;
    f.set(x.subarray(0, rows * nf), xo);
    f.fill(0, xo + rows * nf, xo + nVec * nf);
    if (y) f.set(y.subarray(0, rows), plan.yin / plan.elem);
    const sp = layout.sparse;
    if (sp) {
      if (!hot) throw new RangeError('this network takes sparse one-hot inputs: the column indices are missing');
      const h = new Int32Array(S.memory.buffer, plan.hotIn, nVec * sp.perRow);
      h.set(hot.subarray(0, rows * sp.perRow));
      h.fill(sp.dense, rows * sp.perRow);
      if (y && layout.batchNorm) {
        hotCount.fill(0);
        for (let k = 0; k < rows * sp.perRow; k++) hotCount[hot[k]]++;
      }
    }
    S.k.transpose(nVec);
  };

  /**
   * Writes the forward table of Linear l: W' = W·diag(sc), b' = bias + W·t (BatchNorm folded). For
   * sparse inputs the one-hot columns of W' go to a transposed table instead (bwdT[0], which the
   * first layer has no other use for): gather0 then reads one column's weights side by side.
   */
  const fold = (l: number): void => {
    const { plan, f, params: p } = S;
    const s = L[l];
    const c = scratch[l];
    const bn = layout.batchNorm;
    const wo = plan.fwdW[l] / plan.elem;
    const bo = plan.fwdB[l] / plan.elem;
    const to = plan.bwdT[l] / plan.elem;
    const nd = l === 0 && sparse ? sparse.dense : s.in;
    for (let j = 0; j < s.out; j++) {
      let b = p[s.bias + j];
      for (let i = 0; i < s.in; i++) {
        const w = p[s.weight + j * s.in + i];
        const folded = bn ? w * c.sc[i] : w;
        if (bn) b += w * c.t[i];
        if (i < nd) f[wo + j * s.in + i] = folded;
        else f[to + i * s.out + j] = folded;
      }
      f[bo + j] = b;
    }
  };

  /** Batch statistics of Linear l's input, the running-statistics update, and the affine map. */
  const batchStats = (l: number, rows: number): void => {
    const { plan, f, k, params: p, stats } = S;
    const s = L[l];
    const c = scratch[l];
    const nFull = Math.floor(rows / plan.lanes) * plan.lanes;
    for (let i = 0; i < s.in; i++) {
      if (l === 0 && i >= plan.inDense) {
        oneHotStats(i, rows);
        continue;
      }
      const addr = plan.act[l] + i * plan.stride;
      const base = addr / plan.elem;
      let sum = k.vsum(addr, nFull * plan.elem);
      for (let r = nFull; r < rows; r++) sum += f[base + r];
      const mean = sum / rows;
      let m2 = (l === 0 ? k.vm2center : k.vm2)(addr, nFull * plan.elem, mean);
      let stored = mean;
      if (l === 0) {
        // What the kernel subtracted is the mean rounded to the dtype; the rest stays in the data.
        stored = dtype === 'float32' ? Math.fround(mean) : mean;
        for (let r = nFull; r < rows; r++) {
          const dlt = f[base + r] - mean;
          m2 += dlt * dlt;
          f[base + r] -= stored;
        }
      } else {
        for (let r = nFull; r < rows; r++) {
          const dlt = f[base + r] - mean;
          m2 += dlt * dlt;
        }
      }
      const inv = 1 / Math.sqrt(m2 / rows + BN_EPS);
      c.invstd[i] = inv;
      c.mean[i] = mean - (l === 0 ? stored : 0);
      c.sc[i] = p[s.gamma + i] * inv;
      c.t[i] = p[s.beta + i] - c.mean[i] * c.sc[i];
      stats[s.runningMean + i] = (1 - BN_MOMENTUM) * stats[s.runningMean + i] + BN_MOMENTUM * mean;
      const unbiased = rows > 1 ? m2 / (rows - 1) : m2;
      stats[s.runningVar + i] = (1 - BN_MOMENTUM) * stats[s.runningVar + i] + BN_MOMENTUM * unbiased;
    }
  };

  /** batchStats for a one-hot input column: its mean is the share of ones, its variance follows from it. */
  const oneHotStats = (i: number, rows: number): void => {
    const { params: p, stats } = S;
    const s = L[0];
    const c = scratch[0];
    const ones = hotCount[i];
    const mean = ones / rows;
    const m2 = ones * (1 - mean) * (1 - mean) + (rows - ones) * mean * mean;
    const inv = 1 / Math.sqrt(m2 / rows + BN_EPS);
    c.invstd[i] = inv;
    c.mean[i] = mean;
    c.sc[i] = p[s.gamma + i] * inv;
    c.t[i] = p[s.beta + i] - mean * c.sc[i];
    stats[s.runningMean + i] = (1 - BN_MOMENTUM) * stats[s.runningMean + i] + BN_MOMENTUM * mean;
    const unbiased = rows > 1 ? m2 / (rows - 1) : m2;
    stats[s.runningVar + i] = (1 - BN_MOMENTUM) * stats[s.runningVar + i] + BN_MOMENTUM * unbiased;
  };

  /** The affine map of evaluation mode (running statistics). */
  const runningAffine = (l: number): void => {
    const { params: p, stats } = S;
    const s = L[l];
    const c = scratch[l];
    for (let i = 0; i < s.in; i++) {
      const inv = 1 / Math.sqrt(stats[s.runningVar + i] + BN_EPS);
      c.sc[i] = p[s.gamma + i] * inv;
      c.t[i] = p[s.beta + i] - stats[s.runningMean + i] * c.sc[i];
    }
  };

  /** Copies the f64 gradient sums left by bwdw into the scratch (scatter0's stay where they are: see layerGrads). */
  const readAcc = (l: number): void => {
    const s = L[l];
    const c = scratch[l];
    const acc = new Float64Array(S.memory.buffer, S.plan.acc, (s.in + 1) * s.out);
    c.g.set(acc.subarray(0, s.in * s.out));
    c.d.set(acc.subarray(s.in * s.out));
    acc.fill(0);
  };

  /**
   * Gradients of Linear l (and its BatchNorm) from the sums, then the backward table for bwdx. One
   * pass over the weights row by row (the BatchNorm sums per input accumulate over outputs in the
   * same order as a per-input loop would). The one-hot columns of a sparse first layer read
   * scatter0's transposed sums directly, which are then cleared for the next step.
   */
  const layerGrads = (l: number, rows: number): void => {
    const { plan, f, params: p, grads: g } = S;
    const s = L[l];
    const c = scratch[l];
    const bn = layout.batchNorm;
    const nIn = s.in;
    const nOut = s.out;
    const { sc, t, d, dbeta: db, dgamma, invstd, mean } = c;
    const gs = c.g;
    const wg = c.wg;
    const nd = l === 0 && sparse ? sparse.dense : nIn;
    const tr = nd < nIn ? new Float64Array(S.memory.buffer, plan.sacc, nIn * nOut) : undefined;
    if (bn) {
      db.fill(0);
      wg.fill(0);
    }
    for (let j = 0; j < nOut; j++) {
      const dj = d[j];
      const row = j * nIn;
      g[s.bias + j] = dj;
      for (let i = 0; i < nIn; i++) {
        const gq = i < nd ? gs[row + i] : tr![i * nOut + j];
        if (bn) {
          const w = p[s.weight + row + i];
          g[s.weight + row + i] = sc[i] * gq + t[i] * dj;
          db[i] += w * dj;
          wg[i] += w * gq;
        } else {
          g[s.weight + row + i] = gq;
        }
      }
    }
    tr?.fill(0);
    if (bn) {
      for (let i = 0; i < nIn; i++) {
        dgamma[i] = invstd[i] * (wg[i] - mean[i] * db[i]);
        g[s.beta + i] = db[i];
        g[s.gamma + i] = dgamma[i];
      }
    }
    if (l === 0) return;
    const to = plan.bwdT[l] / plan.elem;
    for (let i = 0; i < nIn; i++) {
      const a = bn ? sc[i] : 1;
      for (let j = 0; j < nOut; j++) f[to + i * nOut + j] = a * p[s.weight + j * nIn + i];
      if (bn) {
        const k = sc[i] / rows;
        f[plan.bwdBeta[l] / plan.elem + i] = -k * dgamma[i] * invstd[i];
        f[plan.bwdGamma[l] / plan.elem + i] = -k * (db[i] - dgamma[i] * invstd[i] * mean[i]);
      }
    }
  };

  return {
    backend: 'wasm',
    get params() {
      return S.params;
    },
    get grads() {
      return S.grads;
    },
    get stats() {
      return S.stats;
    },
    lossAndGrad(x, y, rows, hot) {
      // Training folds batch statistics into the same tables (and then the parameters change).
      evalFolded = false;
      ensure(rows);
      const { plan } = S;
      const E = plan.elem;
      const nVec = Math.ceil(rows / plan.block) * plan.block;
      load(x, y, rows, nVec, hot);
      for (let l = 0; l < L.length; l++) {
        if (layout.batchNorm) batchStats(l, rows);
        fold(l);
        if (l === 0 && sparse) S.k.gather0(nVec);
        S.k[`fwd${l}`](0, nVec * E);
      }
      // Padding rows predict their own label, so they add nothing to the loss or the gradients.
      const f = S.f;
      const yo = plan.yin / E;
      const po = plan.act[L.length] / E;
      for (let r = rows; r < nVec; r++) f[yo + r] = f[po + r];
      const sse = S.k.loss(nVec * E, 2 / rows);
      for (let l = L.length - 1; l >= 0; l--) {
        S.k[`bwdw${l}`](0, nVec * E);
        if (l === 0 && sparse) S.k.scatter0(rows);
        readAcc(l);
        layerGrads(l, rows);
        if (l > 0) {
          S.k[`bwdx${l}`](0, nVec * E);
          if (nVec > rows) {
            const d = dpreOf(plan, layout, l - 1) / E;
            for (let i = 0; i < L[l].in; i++) f.fill(0, d + (i * plan.stride) / E + rows, d + (i * plan.stride) / E + nVec);
          }
        }
      }
      return sse;
    },
    predict(x, rows, out, hot, sameParams = false) {
      const nf = S.plan.inDense;
      const per = sparse ? sparse.perRow : 0;
      const cap = S.plan.capacity;
      for (let r0 = 0; r0 < rows; r0 += cap) {
        const n = Math.min(cap, rows - r0);
        const { plan } = S;
        const nVec = Math.ceil(n / plan.block) * plan.block;
        load(x.subarray(r0 * nf, (r0 + n) * nf), undefined, n, nVec, hot?.subarray(r0 * per, (r0 + n) * per));
        // Folding costs in × out per layer in JS, as much as a small batch's forward: once per evaluation pass.
        const refold = !(sameParams && evalFolded);
        for (let l = 0; l < L.length; l++) {
          if (refold) {
            if (layout.batchNorm) runningAffine(l);
            fold(l);
          }
          if (l === 0 && sparse) S.k.gather0(nVec);
          S.k[`fwd${l}`](0, nVec * plan.elem);
        }
        evalFolded = true;
        const po = plan.act[L.length] / plan.elem;
        out.set(S.f.subarray(po, po + n), r0);
      }
    },
  };
}
