// What this engine's WebAssembly can do: 128-bit SIMD (the generated model and optimizer kernels
// need it) and relaxed-SIMD fused multiply-add. Shared by model/ and optim/, so neither imports
// the other for it.
import { setFlagsFromString } from 'node:v8';

/** True when this JavaScript engine runs WebAssembly with 128-bit SIMD. */
export function wasmSimdSupported(): boolean {
  try {
    // A module whose only function returns a v128 constant's lane: validates only with SIMD.
    const bytes = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11);
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

// (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))
const RELAXED_PROBE = Uint8Array.from([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 1, 2].flatMap(() => [253, 12, ...new Array<number>(16).fill(0)]), 253, 133, 2, 11,
]);
let fmaChoice: boolean | undefined;

/**
 * True when the generated kernels may use relaxed-SIMD fused multiply-add. Node ≥ 22 has relaxed
 * SIMD on by default; Node 20 has it behind a V8 flag, which is switched on here (it only adds
 * opcodes). `DOJO_WASM_FMA=0` turns it off.
 */
export function wasmFmaEnabled(): boolean {
  if (fmaChoice !== undefined) return fmaChoice;
  if (process.env.DOJO_WASM_FMA === '0') return (fmaChoice = false);
  if (!WebAssembly.validate(RELAXED_PROBE)) {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // an engine without the flag: plain multiply + add
    }
  }
  return (fmaChoice = WebAssembly.validate(RELAXED_PROBE));
}
