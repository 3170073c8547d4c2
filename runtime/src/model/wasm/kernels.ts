/**
 * Generates a WebAssembly module specialised to one model's layer sizes. Activations are stored
 * feature-major (`[features, rows]`) so that SIMD lanes run over rows and every weight is a scalar
 * broadcast; loops over the (tiny) layer dimensions are fully unrolled and every buffer address is a
 * constant offset, so the only loops left run over rows. Outputs are computed in groups of
 * independent accumulators sized to stay in the 16 vector registers of x86-64.
 */
import type { ModelLayout } from '../layout';
import { dpreOf, type MemoryPlan } from './plan';
import { encodeModule, F64, FunctionBuilder, I32, Op, Simd, V128 } from '../../wasm/emitter';
import { gatherFirst, scatterFirst } from './sparse-kernels';

/** Code generation choices. */
export interface KernelOptions {
  /** Use relaxed-SIMD fused multiply-add (a·b + c). */
  readonly fma: boolean;
  /** Outputs per accumulator group of the forward / input-gradient kernels. @default 4 */
  readonly fwdGroup?: number;
  readonly bwdGroup?: number;
}

/** Outputs per group when summing dbias. */
const GROUP = 8;
/** Tile of the weight-gradient kernel: TJ outputs × TI inputs accumulators. */
const TJ = 3;
const TI = 3;

interface Ops {
  add: number; sub: number; mul: number; pmax: number; gt: number; splat: number; loadSplat: number; align: number; madd: number;
}

function opsFor(plan: MemoryPlan): Ops {
  return plan.elem === 4
    ? { add: Simd.f32x4Add, sub: Simd.f32x4Sub, mul: Simd.f32x4Mul, pmax: Simd.f32x4Pmax, gt: Simd.f32x4Gt, splat: Simd.f32x4Splat, loadSplat: Simd.load32Splat, align: 2, madd: Simd.f32x4RelaxedMadd }
    : { add: Simd.f64x2Add, sub: Simd.f64x2Sub, mul: Simd.f64x2Mul, pmax: Simd.f64x2Pmax, gt: Simd.f64x2Gt, splat: Simd.f64x2Splat, loadSplat: Simd.load64Splat, align: 3, madd: Simd.f64x2RelaxedMadd };
}

/** Splits n into ceil(n/max) nearly equal consecutive ranges. */
function groups(n: number, max: number): [number, number][] {
  const k = Math.ceil(n / max);
  const out: [number, number][] = [];
  for (let g = 0; g < k; g++) out.push([Math.floor((g * n) / k), Math.floor(((g + 1) * n) / k)]);
  return out;
}

/** acc ← a·b + acc, with `pushA`/`pushB` pushing a and b. */
function madd(f: FunctionBuilder, o: Ops, fma: boolean, acc: number, pushA: () => void, pushB: () => void): void {
  if (fma) {
    pushA();
    pushB();
    f.get(acc).simd(o.madd).set(acc);
  } else {
    f.get(acc);
    pushA();
    pushB();
    f.simd(o.mul).simd(o.add).set(acc);
  }
}

/**
 * z = p >>> 31, which is always 0 (byte offsets stay below 2 GiB) but not provably so: weight
 * broadcasts addressed as z + constant stay memory operands instead of being hoisted out of the
 * loop as hundreds of precomputed addresses that then spill.
 */
function zeroIndex(f: FunctionBuilder, p: number, z: number): void {
  f.get(p).i32(31).op(Op.i32ShrU).set(z);
}

/** Emits `for (p = from; p < to; p += step) { body }`. */
function rowLoop(f: FunctionBuilder, p: number, from: number, to: number, body: () => void, step = 16): void {
  f.get(from).set(p);
  f.block().loop();
  f.get(p).get(to).op(Op.i32GeU).brIf(1);
  body();
  f.get(p).i32(step).op(Op.i32Add).set(p);
  f.br(0).end().end();
}

/** Bytes of one feature row per chunk: a kernel's streams for a chunk stay in L1. */
const CHUNK_BYTES = 1024;

/**
 * Emits `for (c = start; c < end; c += CHUNK) { cend = min(c + CHUNK, end); body() }` over the kernel's
 * (start, end) parameters 0 and 1, so that several passes over one chunk hit L1.
 */
function chunkLoop(f: FunctionBuilder, c: number, cend: number, body: () => void): void {
  rowLoop(f, c, 0, 1, () => {
    f.get(c).i32(CHUNK_BYTES).op(Op.i32Add).get(1).get(c).i32(CHUNK_BYTES).op(Op.i32Add).get(1).op(Op.i32LtU).op(Op.select).set(cend);
    body();
  }, CHUNK_BYTES);
}

/** Sums lanes of `v` in f64 into f64x2 accumulators `accLo`/`accHi`, optionally after subtracting `shift` and squaring. */
function emitAccumulate(f: FunctionBuilder, plan: MemoryPlan, v: number, accLo: number, accHi: number, tmp: number, shift: number | undefined, square: boolean): void {
  const halves: [number, () => void][] = plan.elem === 4
    ? [
        [accLo, () => f.get(v).simd(Simd.f64x2PromoteLowF32x4)],
        [accHi, () => f.get(v).get(v).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).simd(Simd.f64x2PromoteLowF32x4)],
      ]
    : [[accLo, () => f.get(v)]];
  for (const [acc, push] of halves) {
    push();
    if (shift !== undefined) f.get(shift).simd(Simd.f64x2Sub);
    if (square) f.tee(tmp).get(tmp).simd(Simd.f64x2Mul);
    f.get(acc).simd(Simd.f64x2Add).set(acc);
  }
}

/** Pushes the f64 sum of the lanes of vector local `v` (f32 lanes are promoted first). */
function pushLaneSum(f: FunctionBuilder, plan: MemoryPlan, v: number): void {
  if (plan.elem === 8) {
    f.get(v).lane(Simd.f64x2ExtractLane, 0).get(v).lane(Simd.f64x2ExtractLane, 1).op(Op.f64Add);
    return;
  }
  for (let k = 0; k < 4; k++) {
    f.get(v).lane(Simd.f32x4ExtractLane, k).op(Op.f64PromoteF32);
    if (k > 0) f.op(Op.f64Add);
  }
}

function laneSum(f: FunctionBuilder, accLo: number, accHi: number): void {
  f.get(accLo).get(accHi).simd(Simd.f64x2Add).tee(accLo).lane(Simd.f64x2ExtractLane, 0).get(accLo).lane(Simd.f64x2ExtractLane, 1).op(Op.f64Add);
}

/** vsum(addr, bytes) → Σ x, accumulated in f64. */
function vsum(plan: MemoryPlan): FunctionBuilder {
  const f = new FunctionBuilder('vsum', [I32, I32], [F64]);
  const end = f.local(I32);
  const v = f.local(V128);
  const lo = f.local(V128);
  const hi = f.local(V128);
  const tmp = f.local(V128);
  f.get(0).get(1).op(Op.i32Add).set(end);
  rowLoop(f, 0, 0, end, () => {
    f.get(0).simdMem(Simd.load, 4, 0).set(v);
    emitAccumulate(f, plan, v, lo, hi, tmp, undefined, false);
  });
  laneSum(f, lo, hi);
  return f;
}

/** vm2(addr, bytes, mean) → Σ (x − mean)², in f64; with `center`, also x ← x − mean in place. */
function vm2(plan: MemoryPlan, center: boolean): FunctionBuilder {
  const f = new FunctionBuilder(center ? 'vm2center' : 'vm2', [I32, I32, F64], [F64]);
  const end = f.local(I32);
  const v = f.local(V128);
  const lo = f.local(V128);
  const hi = f.local(V128);
  const tmp = f.local(V128);
  const m = f.local(V128);
  const mdt = f.local(V128);
  f.get(0).get(1).op(Op.i32Add).set(end);
  f.get(2).simd(Simd.f64x2Splat).set(m);
  if (plan.elem === 4) f.get(2).op(Op.f32DemoteF64).simd(Simd.f32x4Splat).set(mdt);
  else f.get(m).set(mdt);
  const o = opsFor(plan);
  rowLoop(f, 0, 0, end, () => {
    f.get(0).simdMem(Simd.load, 4, 0).set(v);
    emitAccumulate(f, plan, v, lo, hi, tmp, m, true);
    if (center) f.get(0).get(v).get(mdt).simd(o.sub).simdMem(Simd.store, 4, 0);
  });
  laneSum(f, lo, hi);
  return f;
}

/** loss(bytes, scale) → Σ (ŷ − y)² in f64, and writes dŷ = scale·(ŷ − y) for the last Linear. */
function loss(plan: MemoryPlan, layout: ModelLayout): FunctionBuilder {
  const o = opsFor(plan);
  const L = layout.linears.length;
  const f = new FunctionBuilder('loss', [I32, F64], [F64]);
  const p = f.local(I32);
  const zero = f.local(I32);
  const d = f.local(V128);
  const sv = f.local(V128);
  const lo = f.local(V128);
  const hi = f.local(V128);
  const tmp = f.local(V128);
  if (plan.elem === 4) f.get(1).op(Op.f32DemoteF64).simd(o.splat).set(sv);
  else f.get(1).simd(o.splat).set(sv);
  rowLoop(f, p, zero, 0, () => {
    f.get(p).simdMem(Simd.load, 4, plan.act[L]).get(p).simdMem(Simd.load, 4, plan.yin).simd(o.sub).set(d);
    f.get(p).get(d).get(sv).simd(o.mul).simdMem(Simd.store, 4, dpreOf(plan, layout, L - 1));
    emitAccumulate(f, plan, d, lo, hi, tmp, undefined, true);
  });
  laneSum(f, lo, hi);
  return f;
}

/** transpose(rows): xin [rows, inDense] row-major → act[0] [inDense, capacity] feature-major. */
function transpose(plan: MemoryPlan): FunctionBuilder {
  const nf = plan.inDense;
  const f = new FunctionBuilder('transpose', [I32], []);
  const pin = f.local(I32);
  const pout = f.local(I32);
  const end = f.local(I32);
  const load = plan.elem === 4 ? Op.f32Load : Op.f64Load;
  const store = plan.elem === 4 ? Op.f32Store : Op.f64Store;
  const al = plan.elem === 4 ? 2 : 3;
  f.get(0).i32(plan.elem).op(Op.i32Mul).set(end);
  f.block().loop();
  f.get(pout).get(end).op(Op.i32GeU).brIf(1);
  for (let k = 0; k < nf; k++) f.get(pout).get(pin).mem(load, al, plan.xin + k * plan.elem).mem(store, al, plan.act[0] + k * plan.stride);
  f.get(pin).i32(nf * plan.elem).op(Op.i32Add).set(pin);
  f.get(pout).i32(plan.elem).op(Op.i32Add).set(pout);
  f.br(0).end().end();
  return f;
}

/**
 * fwd{l}(start, end): act[l+1] = relu(W'·act[l] + b') over the byte range of rows. With sparse
 * inputs, fwd0 starts from what gather0 left in act[1] (b' plus the one-hot columns) instead of b',
 * and multiplies only the dense input columns.
 */
function forward(plan: MemoryPlan, layout: ModelLayout, l: number, opt: KernelOptions): FunctionBuilder {
  const o = opsFor(plan);
  const s = layout.linears[l];
  const gathered = l === 0 && layout.sparse !== undefined;
  const nIn = l === 0 ? plan.inDense : s.in;
  const f = new FunctionBuilder(`fwd${l}`, [I32, I32], []);
  const c = f.local(I32);
  const cend = f.local(I32);
  const p = f.local(I32);
  const UNROLL = plan.unroll;
  const G = Math.min(opt.fwdGroup ?? 4, s.out);
  const acc = Array.from({ length: G * UNROLL }, () => f.local(V128));
  const x = Array.from({ length: UNROLL }, () => f.local(V128));
  const w = f.local(V128);
  const z = f.local(I32);
  const splat = (off: number): void => void f.get(z).simdMem(o.loadSplat, o.align, off).set(w);
  chunkLoop(f, c, cend, () => {
    for (const [j0, j1] of groups(s.out, G)) rowLoop(f, p, c, cend, () => {
      zeroIndex(f, p, z);
      for (let j = j0; j < j1; j++) {
        if (gathered) {
          for (let u = 0; u < UNROLL; u++) f.get(p).simdMem(Simd.load, 4, plan.act[1] + j * plan.stride + 16 * u).set(acc[(j - j0) * UNROLL + u]);
          continue;
        }
        splat(plan.fwdB[l] + j * plan.elem);
        for (let u = 0; u < UNROLL; u++) f.get(w).set(acc[(j - j0) * UNROLL + u]);
      }
      for (let i = 0; i < nIn; i++) {
        for (let u = 0; u < UNROLL; u++) f.get(p).simdMem(Simd.load, 4, plan.act[l] + i * plan.stride + 16 * u).set(x[u]);
        for (let j = j0; j < j1; j++) {
          splat(plan.fwdW[l] + (j * s.in + i) * plan.elem);
          for (let u = 0; u < UNROLL; u++) madd(f, o, opt.fma, acc[(j - j0) * UNROLL + u], () => f.get(w), () => f.get(x[u]));
        }
      }
      for (let j = j0; j < j1; j++) {
        for (let u = 0; u < UNROLL; u++) {
          f.get(p).get(acc[(j - j0) * UNROLL + u]);
          if (s.relu) f.v128Zero().simd(o.pmax);
          f.simdMem(Simd.store, 4, plan.act[l + 1] + j * plan.stride + 16 * u);
        }
      }
    }, 16 * UNROLL);
  });
  return f;
}

/**
 * bwdw{l}(start, end): adds Σ_rows dy_j·x_i (f64, at acc[j·in + i]; for sparse inputs only the dense
 * columns, scatter0 adds the one-hot ones) and Σ_rows dy_j (at acc[in·out + j]). Rows are taken in chunks that stay in L1; within a chunk each TJ×TI tile of
 * the gradient is accumulated in registers, then reduced across lanes into the f64 totals.
 */
function backwardWeights(plan: MemoryPlan, layout: ModelLayout, l: number, opt: KernelOptions): FunctionBuilder {
  const o = opsFor(plan);
  const s = layout.linears[l];
  const dpre = dpreOf(plan, layout, l);
  const f = new FunctionBuilder(`bwdw${l}`, [I32, I32], []);
  const c = f.local(I32);
  const cend = f.local(I32);
  const p = f.local(I32);
  const acc = Array.from({ length: Math.max(TJ * TI, Math.min(GROUP, s.out)) }, () => f.local(V128));
  const dy = Array.from({ length: TJ }, () => f.local(V128));
  const x = f.local(V128);
  const addTotal = (k: number, v: number): void => {
    const at = plan.acc + k * 8;
    f.i32(0).i32(0).mem(Op.f64Load, 3, at);
    pushLaneSum(f, plan, v);
    f.op(Op.f64Add).mem(Op.f64Store, 3, at);
  };
  chunkLoop(f, c, cend, () => {
    for (const [j0, j1] of groups(s.out, TJ)) {
      for (const [i0, i1] of groups(l === 0 ? plan.inDense : s.in, TI)) {
        const nj = j1 - j0;
        const ni = i1 - i0;
        for (let k = 0; k < nj * ni; k++) f.v128Zero().set(acc[k]);
        rowLoop(f, p, c, cend, () => {
          for (let j = j0; j < j1; j++) f.get(p).simdMem(Simd.load, 4, dpre + j * plan.stride).set(dy[j - j0]);
          for (let i = i0; i < i1; i++) {
            f.get(p).simdMem(Simd.load, 4, plan.act[l] + i * plan.stride).set(x);
            for (let j = j0; j < j1; j++) madd(f, o, opt.fma, acc[(j - j0) * ni + (i - i0)], () => f.get(dy[j - j0]), () => f.get(x));
          }
        });
        for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) addTotal(j * s.in + i, acc[(j - j0) * ni + (i - i0)]);
      }
    }
    for (const [j0, j1] of groups(s.out, GROUP)) {
      for (let j = j0; j < j1; j++) f.v128Zero().set(acc[j - j0]);
      rowLoop(f, p, c, cend, () => {
        for (let j = j0; j < j1; j++) f.get(acc[j - j0]).get(p).simdMem(Simd.load, 4, dpre + j * plan.stride).simd(o.add).set(acc[j - j0]);
      });
      for (let j = j0; j < j1; j++) addTotal(s.in * s.out + j, acc[j - j0]);
    }
  });
  return f;
}

/**
 * bwdx{l}(start, end), l ≥ 1: the pre-activation gradient of Linear l−1,
 * dpre[l−1]_i = [act[l]_i > 0] · (Σ_j T_ij·dy_j + β_i·act[l]_i + γ_i) (β, γ only with BatchNorm).
 */
function backwardInput(plan: MemoryPlan, layout: ModelLayout, l: number, opt: KernelOptions): FunctionBuilder {
  const o = opsFor(plan);
  const s = layout.linears[l];
  const dpre = dpreOf(plan, layout, l);
  const dprev = dpreOf(plan, layout, l - 1);
  const f = new FunctionBuilder(`bwdx${l}`, [I32, I32], []);
  const c = f.local(I32);
  const cend = f.local(I32);
  const p = f.local(I32);
  const UNROLL = plan.unroll;
  const G = Math.min(opt.bwdGroup ?? 4, s.in);
  const acc = Array.from({ length: G * UNROLL }, () => f.local(V128));
  const dy = Array.from({ length: UNROLL }, () => f.local(V128));
  const w = f.local(V128);
  const h = f.local(V128);
  const z = f.local(I32);
  const splat = (off: number): void => void f.get(z).simdMem(o.loadSplat, o.align, off).set(w);
  chunkLoop(f, c, cend, () => {
    for (const [i0, i1] of groups(s.in, G)) rowLoop(f, p, c, cend, () => {
      zeroIndex(f, p, z);
      for (let k = 0; k < (i1 - i0) * UNROLL; k++) f.v128Zero().set(acc[k]);
      for (let j = 0; j < s.out; j++) {
        for (let u = 0; u < UNROLL; u++) f.get(p).simdMem(Simd.load, 4, dpre + j * plan.stride + 16 * u).set(dy[u]);
        for (let i = i0; i < i1; i++) {
          splat(plan.bwdT[l] + (i * s.out + j) * plan.elem);
          for (let u = 0; u < UNROLL; u++) madd(f, o, opt.fma, acc[(i - i0) * UNROLL + u], () => f.get(w), () => f.get(dy[u]));
        }
      }
      for (let i = i0; i < i1; i++) {
        for (let u = 0; u < UNROLL; u++) {
          const a = acc[(i - i0) * UNROLL + u];
          f.get(p);
          f.get(p).simdMem(Simd.load, 4, plan.act[l] + i * plan.stride + 16 * u).set(h);
          if (layout.batchNorm) {
            madd(f, o, opt.fma, a, () => f.get(z).simdMem(o.loadSplat, o.align, plan.bwdBeta[l] + i * plan.elem), () => f.get(h));
            f.get(a).get(z).simdMem(o.loadSplat, o.align, plan.bwdGamma[l] + i * plan.elem).simd(o.add);
          } else {
            f.get(a);
          }
          f.get(h).v128Zero().simd(o.gt).simd(Simd.and);
          f.simdMem(Simd.store, 4, dprev + i * plan.stride + 16 * u);
        }
      }
    }, 16 * UNROLL);
  });
  return f;
}

/** Builds the module's binary for one model layout and memory plan. */
export function buildKernels(plan: MemoryPlan, layout: ModelLayout, opt: KernelOptions): Uint8Array<ArrayBuffer> {
  const funcs: FunctionBuilder[] = [vsum(plan), vm2(plan, false), vm2(plan, true), loss(plan, layout), transpose(plan)];
  if (layout.sparse) funcs.push(gatherFirst(plan, layout), scatterFirst(plan, layout));
  for (let l = 0; l < layout.linears.length; l++) {
    funcs.push(forward(plan, layout, l, opt), backwardWeights(plan, layout, l, opt));
    if (l > 0) funcs.push(backwardInput(plan, layout, l, opt));
  }
  return encodeModule(funcs, Math.ceil(plan.bytes / 65536));
}
