/**
 * AdamW's update as one WebAssembly SIMD loop. The parameters and gradients are copied into the
 * module's own memory, next to the moments it keeps there, updated, and the parameters copied back:
 * two memcpys and one vector pass instead of a scalar JS loop (which costs 6–40 ns a parameter on
 * typed arrays over WebAssembly memory; a binned first layer has thousands of weights per step).
 * The operations and their order are those of the JS reference (adamw.ts), without fused
 * multiply-add, so float64 results are bit-identical to it; float32 runs in float32 arithmetic, as
 * PyTorch's float32 AdamW does (the reference computes in doubles and rounds on store).
 */
import type { DType, FloatArray } from '../data/types';
import { encodeModule, F64, FunctionBuilder, I32, Op, Simd, V128, type ValType } from '../wasm/emitter';

/** AdamW's scalars for one step (see adamw.ts). */
export interface AdamWScalars {
  readonly decay: number;
  readonly b1: number;
  readonly b2: number;
  readonly c1: number;
  readonly c2: number;
  readonly stepSize: number;
  readonly sqrtBc2: number;
  readonly eps: number;
}

/** One AdamW update over n parameters, with its moments inside. */
export type AdamWKernel = (p: FloatArray, g: FloatArray, s: AdamWScalars) => void;

const SCALARS = ['decay', 'b1', 'b2', 'c1', 'c2', 'stepSize', 'sqrtBc2', 'eps'] as const;

function kernelModule(dtype: DType, n: number): { bytes: Uint8Array<ArrayBuffer>; region: number; pages: number } {
  const f32 = dtype === 'float32';
  const elem = f32 ? 4 : 8;
  const region = Math.ceil((n * elem) / 16) * 16;
  const [P, G, M, V] = [0, region, 2 * region, 3 * region];
  const op = f32
    ? { add: Simd.f32x4Add, sub: Simd.f32x4Sub, mul: Simd.f32x4Mul, div: Simd.f32x4Div, sqrt: Simd.f32x4Sqrt, splat: Simd.f32x4Splat }
    : { add: Simd.f64x2Add, sub: Simd.f64x2Sub, mul: Simd.f64x2Mul, div: Simd.f64x2Div, sqrt: Simd.f64x2Sqrt, splat: Simd.f64x2Splat };
  // adamw(bytes, decay, b1, b2, c1, c2, stepSize, sqrtBc2, eps)
  const f = new FunctionBuilder('adamw', [I32, ...SCALARS.map((): ValType => F64)], []);
  const s = SCALARS.map(() => f.local(V128));
  SCALARS.forEach((_, i) => {
    f.get(i + 1);
    if (f32) f.op(Op.f32DemoteF64);
    f.simd(op.splat).set(s[i]!);
  });
  const [decay, b1, b2, c1, c2, stepSize, sqrtBc2, eps] = s as [number, number, number, number, number, number, number, number];
  const p = f.local(I32);
  const g = f.local(V128);
  const m = f.local(V128);
  const v = f.local(V128);
  f.block().loop();
  f.get(p).get(0).op(Op.i32GeU).brIf(1);
  f.get(p).simdMem(Simd.load, 4, G).set(g);
  // m = b1·m + c1·g
  f.get(p).simdMem(Simd.load, 4, M).get(b1).simd(op.mul).get(c1).get(g).simd(op.mul).simd(op.add).set(m);
  f.get(p).get(m).simdMem(Simd.store, 4, M);
  // v = b2·v + (c2·g)·g
  f.get(p).simdMem(Simd.load, 4, V).get(b2).simd(op.mul).get(c2).get(g).simd(op.mul).get(g).simd(op.mul).simd(op.add).set(v);
  f.get(p).get(v).simdMem(Simd.store, 4, V);
  // p = p·decay − (stepSize·m) / (√v / sqrtBc2 + eps)
  f.get(p);
  f.get(p).simdMem(Simd.load, 4, P).get(decay).simd(op.mul);
  f.get(stepSize).get(m).simd(op.mul);
  f.get(v).simd(op.sqrt).get(sqrtBc2).simd(op.div).get(eps).simd(op.add);
  f.simd(op.div).simd(op.sub);
  f.simdMem(Simd.store, 4, P);
  f.get(p).i32(16).op(Op.i32Add).set(p);
  f.br(0).end().end();
  const pages = Math.max(1, Math.ceil((4 * region) / 65536));
  return { bytes: encodeModule([f], pages), region, pages };
}

/** Builds the kernel for n parameters of the dtype (moments start at zero). */
export function createAdamWKernel(dtype: DType, n: number): AdamWKernel {
  const { bytes, region, pages } = kernelModule(dtype, n);
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const run = instance.exports.adamw as (...args: number[]) => void;
  const Arr = dtype === 'float32' ? Float32Array : Float64Array;
  const elem = dtype === 'float32' ? 4 : 8;
  const P = new Arr(memory.buffer, 0, n);
  const G = new Arr(memory.buffer, region, n);
  return (p, g, s) => {
    P.set(p.subarray(0, n));
    G.set(g.subarray(0, n));
    run(Math.ceil((n * elem) / 16) * 16, s.decay, s.b1, s.b2, s.c1, s.c2, s.stepSize, s.sqrtBc2, s.eps);
    p.set(P);
  };
}
