/**
 * Generates a WebAssembly module specialised to one model's layer sizes. Activations are stored
 * feature-major (`[features, rows]`) so that SIMD lanes run over rows and every weight is a scalar
 * broadcast; loops over the (tiny) layer dimensions are fully unrolled and every buffer address is a
 * constant offset, so the only loop left is the one over rows.
 */
import type { ModelLayout } from '../layout';
import { dpreOf, type MemoryPlan } from './plan';
import { encodeModule, F64, FunctionBuilder, I32, Op, Simd, V128 } from './emitter';

interface Ops {
  add: number; sub: number; mul: number; pmax: number; gt: number; splat: number; loadSplat: number; align: number;
}

function opsFor(plan: MemoryPlan): Ops {
  return plan.elem === 4
    ? { add: Simd.f32x4Add, sub: Simd.f32x4Sub, mul: Simd.f32x4Mul, pmax: Simd.f32x4Pmax, gt: Simd.f32x4Gt, splat: Simd.f32x4Splat, loadSplat: Simd.load32Splat, align: 2 }
    : { add: Simd.f64x2Add, sub: Simd.f64x2Sub, mul: Simd.f64x2Mul, pmax: Simd.f64x2Pmax, gt: Simd.f64x2Gt, splat: Simd.f64x2Splat, loadSplat: Simd.load64Splat, align: 3 };
}

/** Emits `for (p = start; p < end; p += 16) { body }` over the locals given. */
function rowLoop(f: FunctionBuilder, p: number, start: number, end: number, body: () => void): void {
  f.get(start).set(p);
  f.block().loop();
  f.get(p).get(end).op(Op.i32GeU).brIf(1);
  body();
  f.get(p).i32(16).op(Op.i32Add).set(p);
  f.br(0).end().end();
}

/** Sums lanes of `v` in f64 into f64x2 accumulators `accLo`/`accHi`, optionally after subtracting `shift` and squaring. */
function emitAccumulate(f: FunctionBuilder, plan: MemoryPlan, v: number, accLo: number, accHi: number, tmp: number, shift: number | undefined, square: boolean): void {
  const halves: [number, (() => void)][] = plan.elem === 4
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

/** transpose(rows): xin [rows, in] row-major → act[0] [in, capacity] feature-major. */
function transpose(plan: MemoryPlan, layout: ModelLayout): FunctionBuilder {
  const nf = layout.dims[0];
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

/** fwd{l}(start, end): act[l+1] = relu(W'·act[l] + b') over the byte range of rows. */
function forward(plan: MemoryPlan, layout: ModelLayout, l: number): FunctionBuilder {
  const o = opsFor(plan);
  const s = layout.linears[l];
  const f = new FunctionBuilder(`fwd${l}`, [I32, I32], []);
  const p = f.local(I32);
  const x = Array.from({ length: s.in }, () => f.local(V128));
  rowLoop(f, p, 0, 1, () => {
    for (let i = 0; i < s.in; i++) f.get(p).simdMem(Simd.load, 4, plan.act[l] + i * plan.stride).set(x[i]);
    for (let j = 0; j < s.out; j++) {
      f.get(p);
      f.i32(0).simdMem(o.loadSplat, o.align, plan.fwdB[l] + j * plan.elem);
      for (let i = 0; i < s.in; i++) {
        f.i32(0).simdMem(o.loadSplat, o.align, plan.fwdW[l] + (j * s.in + i) * plan.elem).get(x[i]).simd(o.mul).simd(o.add);
      }
      if (s.relu) f.v128Zero().simd(o.pmax);
      f.simdMem(Simd.store, 4, plan.act[l + 1] + j * plan.stride);
    }
  });
  return f;
}

/** bwdw{l}(start, end): per-lane Σ dy_j·x_i and Σ dy_j into the accumulators (zeroed first). */
function backwardWeights(plan: MemoryPlan, layout: ModelLayout, l: number): FunctionBuilder {
  const o = opsFor(plan);
  const s = layout.linears[l];
  const dpre = dpreOf(plan, layout, l);
  const f = new FunctionBuilder(`bwdw${l}`, [I32, I32], []);
  const p = f.local(I32);
  const x = Array.from({ length: s.in }, () => f.local(V128));
  const dy = Array.from({ length: s.out }, () => f.local(V128));
  const nacc = (s.in + 1) * s.out;
  for (let k = 0; k < nacc; k++) f.i32(0).v128Zero().simdMem(Simd.store, 4, plan.acc + k * 16);
  rowLoop(f, p, 0, 1, () => {
    for (let j = 0; j < s.out; j++) f.get(p).simdMem(Simd.load, 4, dpre + j * plan.stride).set(dy[j]);
    for (let i = 0; i < s.in; i++) f.get(p).simdMem(Simd.load, 4, plan.act[l] + i * plan.stride).set(x[i]);
    for (let j = 0; j < s.out; j++) {
      for (let i = 0; i < s.in; i++) {
        const a = plan.acc + (j * s.in + i) * 16;
        f.i32(0).i32(0).simdMem(Simd.load, 4, a).get(dy[j]).get(x[i]).simd(o.mul).simd(o.add).simdMem(Simd.store, 4, a);
      }
      const a = plan.acc + (s.in * s.out + j) * 16;
      f.i32(0).i32(0).simdMem(Simd.load, 4, a).get(dy[j]).simd(o.add).simdMem(Simd.store, 4, a);
    }
  });
  return f;
}

/**
 * bwdx{l}(start, end), l ≥ 1: the pre-activation gradient of Linear l−1,
 * dpre[l−1]_i = [act[l]_i > 0] · (Σ_j T_ij·dy_j + β_i·act[l]_i + γ_i) (β, γ only with BatchNorm).
 */
function backwardInput(plan: MemoryPlan, layout: ModelLayout, l: number): FunctionBuilder {
  const o = opsFor(plan);
  const s = layout.linears[l];
  const dpre = dpreOf(plan, layout, l);
  const dprev = dpreOf(plan, layout, l - 1);
  const f = new FunctionBuilder(`bwdx${l}`, [I32, I32], []);
  const p = f.local(I32);
  const h = f.local(V128);
  const dy = Array.from({ length: s.out }, () => f.local(V128));
  rowLoop(f, p, 0, 1, () => {
    for (let j = 0; j < s.out; j++) f.get(p).simdMem(Simd.load, 4, dpre + j * plan.stride).set(dy[j]);
    for (let i = 0; i < s.in; i++) {
      f.get(p);
      f.get(p).simdMem(Simd.load, 4, plan.act[l] + i * plan.stride).set(h);
      for (let j = 0; j < s.out; j++) {
        f.i32(0).simdMem(o.loadSplat, o.align, plan.bwdT[l] + (i * s.out + j) * plan.elem).get(dy[j]).simd(o.mul);
        if (j > 0) f.simd(o.add);
      }
      if (layout.batchNorm) {
        f.i32(0).simdMem(o.loadSplat, o.align, plan.bwdBeta[l] + i * plan.elem).get(h).simd(o.mul).simd(o.add);
        f.i32(0).simdMem(o.loadSplat, o.align, plan.bwdGamma[l] + i * plan.elem).simd(o.add);
      }
      f.get(h).v128Zero().simd(o.gt).simd(Simd.and);
      f.simdMem(Simd.store, 4, dprev + i * plan.stride);
    }
  });
  return f;
}

/** Builds the module's binary for one model layout and memory plan. */
export function buildKernels(plan: MemoryPlan, layout: ModelLayout): Uint8Array<ArrayBuffer> {
  const funcs: FunctionBuilder[] = [vsum(plan), vm2(plan, false), vm2(plan, true), loss(plan, layout), transpose(plan, layout)];
  for (let l = 0; l < layout.linears.length; l++) {
    funcs.push(forward(plan, layout, l), backwardWeights(plan, layout, l));
    if (l > 0) funcs.push(backwardInput(plan, layout, l));
  }
  return encodeModule(funcs, Math.ceil(plan.bytes / 65536));
}
