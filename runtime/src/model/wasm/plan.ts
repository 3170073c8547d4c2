import type { DType } from '../../data/types';
import type { ModelLayout } from '../layout';

/** Byte offsets of every buffer in the model's one WebAssembly.Memory. */
export interface MemoryPlan {
  readonly dtype: DType;
  /** Bytes per element and elements per 128-bit vector. */
  readonly elem: number;
  readonly lanes: number;
  /** Row vectors the kernels process side by side, so that each broadcast weight feeds `unroll` FMAs. */
  readonly unroll: number;
  /** Rows per kernel step (lanes × unroll): batches are padded to a multiple of it. */
  readonly block: number;
  /** Rows the activation buffers hold (a multiple of `block`); byte stride between feature rows. */
  readonly capacity: number;
  readonly stride: number;
  readonly params: number;
  readonly grads: number;
  readonly stats: number;
  /** Per Linear: forward weights W' [out, in] and bias b' (BatchNorm folded in). */
  readonly fwdW: readonly number[];
  readonly fwdB: readonly number[];
  /** Per Linear: backward table T [in, out] = s_i·W_ji, then the BatchNorm terms β [in], γ [in]. */
  readonly bwdT: readonly number[];
  readonly bwdBeta: readonly number[];
  readonly bwdGamma: readonly number[];
  /** f64 gradient sums (dW then dbias) of the Linear being back-propagated. */
  readonly acc: number;
  /** Row-major input staging `[capacity, inDense]` and labels `[capacity]`. */
  readonly xin: number;
  readonly yin: number;
  /** Input columns stored as numbers: all of them, or a sparse layout's dense columns. */
  readonly inDense: number;
  /** Sparse layout: one-hot column indices `[capacity, perRow]` (i32); -1 without. */
  readonly hotIn: number;
  /**
   * Sparse layout: f64 weight-gradient sums of the first Linear, transposed `[in, out]` so that one
   * row's scatter for a column touches one or two cache lines; -1 without. (The gather reads the
   * forward weights transposed the same way, from the first layer's otherwise unused `bwdT[0]`.)
   */
  readonly sacc: number;
  /** Feature-major activations: input of Linear l `[in_l, capacity]`; `act[L]` is the prediction. */
  readonly act: readonly number[];
  /** Two ping-pong buffers `[maxOut, capacity]` for pre-activation gradients. */
  readonly dpre: readonly [number, number];
  readonly bytes: number;
}


/** Lays out all buffers for `capacity` rows, each 16-byte aligned. */
export function planMemory(layout: ModelLayout, dtype: DType, capacityRows: number, unroll = 2): MemoryPlan {
  const elem = dtype === 'float64' ? 8 : 4;
  const lanes = 16 / elem;
  const block = lanes * unroll;
  const capacity = Math.max(block, Math.ceil(capacityRows / block) * block);
  // Feature rows 2^k bytes apart would all map to the same cache sets; a stride of whole pages plus
  // three cache lines spreads the streams that one kernel reads side by side over the sets.
  const stride = Math.ceil((capacity * elem) / 4096) * 4096 + 192;
  let at = 0;
  const takeBytes = (bytes: number): number => {
    const o = at;
    at += Math.ceil(bytes / 16) * 16;
    return o;
  };
  const take = (n: number): number => takeBytes(n * elem);
  const params = take(layout.numParams);
  const grads = take(layout.numParams);
  const stats = take(layout.numStats);
  const fwdW: number[] = [];
  const fwdB: number[] = [];
  const bwdT: number[] = [];
  const bwdBeta: number[] = [];
  const bwdGamma: number[] = [];
  let maxAcc = 0;
  let maxOut = 1;
  for (const s of layout.linears) {
    fwdW.push(take(s.in * s.out));
    fwdB.push(take(s.out));
    bwdT.push(take(s.in * s.out));
    bwdBeta.push(take(s.in));
    bwdGamma.push(take(s.in));
    maxAcc = Math.max(maxAcc, (s.in + 1) * s.out);
    maxOut = Math.max(maxOut, s.out);
  }
  const acc = take(maxAcc * lanes);
  const inDense = layout.sparse ? layout.sparse.dense : layout.dims[0];
  const xin = take(capacity * inDense);
  const yin = take(capacity);
  const hotIn = layout.sparse ? takeBytes(capacity * layout.sparse.perRow * 4) : -1;
  const sacc = layout.sparse ? takeBytes(layout.linears[0].in * layout.linears[0].out * 8) : -1;
  const act = layout.dims.map((d, l) => takeBytes(stride * (l === 0 ? inDense : d)));
  const dpre: [number, number] = [takeBytes(stride * maxOut), takeBytes(stride * maxOut)];
  return { dtype, elem, lanes, unroll, block, capacity, stride, params, grads, stats, fwdW, fwdB, bwdT, bwdBeta, bwdGamma, acc, xin, yin, inDense, hotIn, sacc, act, dpre, bytes: at };
}

/** The pre-activation gradient buffer of Linear l (alternating from the last layer backwards). */
export function dpreOf(plan: MemoryPlan, layout: ModelLayout, l: number): number {
  return plan.dpre[(layout.linears.length - 1 - l) % 2];
}
