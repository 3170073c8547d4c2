/**
 * Kernels of a first Linear fed sparse one-hot inputs (binned coordinates, issue 10). Each row's
 * `perRow` ones select weight columns, so the product W'·x over the one-hot part is a gather of
 * `perRow` columns and its weight gradient a scatter-add of dy into them: O(perRow·out) per row
 * instead of O(in·out), and no dense one-hot row is ever stored. Rows run one at a time (scalar):
 * the column addresses differ per row, and WebAssembly SIMD has no gather.
 */
import type { ModelLayout } from '../layout';
import { dpreOf, type MemoryPlan } from './plan';
import { FunctionBuilder, I32, F64, Op } from '../../wasm/emitter';

/** Sets locals `a` to the byte offsets (index · bytes) of one row's one-hot columns in a transposed table. */
function loadColumns(f: FunctionBuilder, plan: MemoryPlan, ph: number, a: readonly number[], bytes: number): void {
  a.forEach((local, c) => f.get(ph).mem(Op.i32Load, 2, plan.hotIn + 4 * c).i32(bytes).op(Op.i32Mul).set(local));
}

/** Emits `for (p = 0, ph = 0; p < end; p += elem, ph += perRow·4) { body }`. */
function rows(f: FunctionBuilder, plan: MemoryPlan, perRow: number, p: number, ph: number, end: number, body: () => void): void {
  f.block().loop();
  f.get(p).get(end).op(Op.i32GeU).brIf(1);
  body();
  f.get(p).i32(plan.elem).op(Op.i32Add).set(p);
  f.get(ph).i32(4 * perRow).op(Op.i32Add).set(ph);
  f.br(0).end().end();
}

/**
 * gather0(rows): act[1][j, r] = b'_j + Σ_c W'[j, hot[r, c]] (before the dense columns and the ReLU),
 * reading W' transposed (`[in, out]` at bwdT[0]): a column's weights are adjacent.
 */
export function gatherFirst(plan: MemoryPlan, layout: ModelLayout): FunctionBuilder {
  const sp = layout.sparse!;
  const s = layout.linears[0];
  const f32 = plan.elem === 4;
  const load = f32 ? Op.f32Load : Op.f64Load;
  const al = f32 ? 2 : 3;
  const f = new FunctionBuilder('gather0', [I32], []);
  const p = f.local(I32);
  const ph = f.local(I32);
  const end = f.local(I32);
  const a = Array.from({ length: sp.perRow }, () => f.local(I32));
  f.get(0).i32(plan.elem).op(Op.i32Mul).set(end);
  rows(f, plan, sp.perRow, p, ph, end, () => {
    loadColumns(f, plan, ph, a, s.out * plan.elem);
    for (let j = 0; j < s.out; j++) {
      f.get(p);
      f.i32(0).mem(load, al, plan.fwdB[0] + j * plan.elem);
      for (const col of a) f.get(col).mem(load, al, plan.bwdT[0] + j * plan.elem).op(f32 ? Op.f32Add : Op.f64Add);
      f.mem(f32 ? Op.f32Store : Op.f64Store, al, plan.act[1] + j * plan.stride);
    }
  });
  return f;
}

/** scatter0(rows): the f64 weight-gradient sums sacc[hot[r, c]·out + j] += dy_j[r] over the batch's rows. */
export function scatterFirst(plan: MemoryPlan, layout: ModelLayout): FunctionBuilder {
  const sp = layout.sparse!;
  const s = layout.linears[0];
  const f32 = plan.elem === 4;
  const dpre = dpreOf(plan, layout, 0);
  const f = new FunctionBuilder('scatter0', [I32], []);
  const p = f.local(I32);
  const ph = f.local(I32);
  const end = f.local(I32);
  const a = Array.from({ length: sp.perRow }, () => f.local(I32));
  const d = f.local(F64);
  f.get(0).i32(plan.elem).op(Op.i32Mul).set(end);
  rows(f, plan, sp.perRow, p, ph, end, () => {
    loadColumns(f, plan, ph, a, s.out * 8);
    for (let j = 0; j < s.out; j++) {
      f.get(p).mem(f32 ? Op.f32Load : Op.f64Load, f32 ? 2 : 3, dpre + j * plan.stride);
      if (f32) f.op(Op.f64PromoteF32);
      f.set(d);
      const at = plan.sacc + j * 8;
      for (const col of a) f.get(col).get(col).mem(Op.f64Load, 3, at).get(d).op(Op.f64Add).mem(Op.f64Store, 3, at);
    }
  });
  return f;
}
