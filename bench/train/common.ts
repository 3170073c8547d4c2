// What the two training benches share, so that their figures stay comparable: the PyTorch reference
// configurations, the synthetic batches, the flags and the timing loop.
import { Rng } from '../../runtime/src/model';
import type { Batch, DType } from '../../runtime/src/data/types';

/** One benchmarked model and batch size, with PyTorch 1.13's one-thread rate in thousands of rows/s (issue 3). */
export interface TrainConfig {
  readonly hidden: number[];
  readonly bn: 0 | 1;
  readonly batch: number;
  readonly torch: Readonly<Record<DType, number>>;
}

/** The configurations both benches run. */
export const CONFIGS: readonly TrainConfig[] = [
  { hidden: [3, 5, 8], bn: 1, batch: 4096, torch: { float32: 1584, float64: 1448 } },
  { hidden: [3, 5, 8], bn: 1, batch: 65536, torch: { float32: 2184, float64: 1867 } },
  { hidden: [7, 11, 13], bn: 0, batch: 4096, torch: { float32: 5152, float64: 4416 } },
  { hidden: [7, 11, 13], bn: 0, batch: 65536, torch: { float32: 7749, float64: 4557 } },
  { hidden: [23, 19, 13, 11, 7], bn: 1, batch: 4096, torch: { float32: 649, float64: 564 } },
  { hidden: [23, 19, 13, 11, 7], bn: 1, batch: 65536, torch: { float32: 783, float64: 515 } },
];

/** The value after flag `name` on the command line, or `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

/** Taxi-like rows: large-mean coordinate columns, as in the real data; the same rows on every call. */
export function makeBatches(rows: number, count: number, dtype: DType): Batch[] {
  const rng = new Rng(7);
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  return Array.from({ length: count }, () => {
    const x = new Arr(rows * 8);
    const y = new Arr(rows);
    for (let r = 0; r < rows; r++) {
      let s = 3.25;
      for (let f = 0; f < 8; f++) {
        const v = f < 4 ? (f % 2 ? -77 : 38.9) + 0.05 * rng.normal() : 1 + Math.floor(rng.uniform(0, 12));
        x[r * 8 + f] = v;
        s += 0.3 * v * (f % 3);
      }
      y[r] = s * 0.01 + rng.normal();
    }
    return { x, y, rows, numFeatures: 8 };
  });
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Best rows/s of `step` over `repeat` windows of `seconds`, after a warm-up of at least 3 steps and
 * 300 ms (until V8 has tiered the kernels up): by wall clock and by this process's CPU time (less
 * hurt by a busy machine). `step(i)` is given the step's number within its window.
 */
export async function bestRate(step: (i: number) => unknown, batch: number, seconds: number, repeat: number): Promise<{ wall: number; cpu: number }> {
  const w0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - w0 < 300; i++) await step(i);
  let wall = 0;
  let cpu = 0;
  for (let r = 0; r < repeat; r++) {
    let steps = 0;
    const t0 = performance.now();
    const c0 = cpuMs();
    while (performance.now() - t0 < seconds * 1000) await step(steps++);
    wall = Math.max(wall, (steps * batch) / ((performance.now() - t0) / 1000));
    cpu = Math.max(cpu, (steps * batch) / ((cpuMs() - c0) / 1000));
  }
  return { wall, cpu };
}
