import type { DType } from '../../data/types';
import type { ModelLayout } from '../layout';

/** Byte offsets of every buffer in the model's one WebAssembly.Memory. */
export interface MemoryPlan {
  readonly dtype: DType;
  /** Bytes per element and elements per 128-bit vector. */
  readonly elem: number;
  readonly lanes: number;
  /** Rows the activation buffers hold (a multiple of `lanes`); byte stride of one feature row. */
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
  /** Per-lane gradient accumulators (dW then dbias) of the Linear being back-propagated. */
  readonly acc: number;
  /** Row-major input staging `[capacity, in]` and labels `[capacity]`. */
  readonly xin: number;
  readonly yin: number;
  /** Feature-major activations: input of Linear l `[in_l, capacity]`; `act[L]` is the prediction. */
  readonly act: readonly number[];
  /** Two ping-pong buffers `[maxOut, capacity]` for pre-activation gradients. */
  readonly dpre: readonly [number, number];
  readonly bytes: number;
}

/** Rows the kernels process per call when accumulating gradients (keeps f32 partial sums short). */
export const CHUNK_ROWS = 2048;

/** Lays out all buffers for `capacity` rows, each 16-byte aligned. */
export function planMemory(layout: ModelLayout, dtype: DType, capacityRows: number): MemoryPlan {
  const elem = dtype === 'float64' ? 8 : 4;
  const lanes = 16 / elem;
  const capacity = Math.max(lanes, Math.ceil(capacityRows / lanes) * lanes);
  const stride = capacity * elem;
  let at = 0;
  const take = (n: number): number => {
    const o = at;
    at += Math.ceil((n * elem) / 16) * 16;
    return o;
  };
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
  const nf = layout.dims[0];
  const xin = take(capacity * nf);
  const yin = take(capacity);
  const act = layout.dims.map((d) => take(capacity * d));
  const dpre: [number, number] = [take(capacity * maxOut), take(capacity * maxOut)];
  return { dtype, elem, lanes, capacity, stride, params, grads, stats, fwdW, fwdB, bwdT, bwdBeta, bwdGamma, acc, xin, yin, act, dpre, bytes: at };
}

/** The pre-activation gradient buffer of Linear l (alternating from the last layer backwards). */
export function dpreOf(plan: MemoryPlan, layout: ModelLayout, l: number): number {
  return plan.dpre[(layout.linears.length - 1 - l) % 2];
}
