/** The objective of `minimize`: returns f(x) and writes ∇f(x) into grad (same length as x). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Options of `minimize`. */
export interface MinimizeOptions {
  /** Most iterations (each one line search). @default 100 */
  readonly maxIter?: number;
  /** Stop when the largest projected gradient component is below this. @default 1e-5 */
  readonly gtol?: number;
  /** Stop when an iteration lowers f by less than ftol · max(|f|, 1). @default 1e-10 */
  readonly ftol?: number;
  /** Number of curvature pairs kept. @default 10 */
  readonly memory?: number;
  /** Lower bounds per coordinate. @default - unbounded */
  readonly lower?: Float64Array;
  /** Upper bounds per coordinate. @default - unbounded */
  readonly upper?: Float64Array;
}

/** The result of `minimize`. */
export interface MinimizeResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly iterations: number;
  /** Objective evaluations, line searches included. */
  readonly evaluations: number;
}

/**
 * Limited-memory BFGS (Nocedal & Wright, alg. 7.4/7.5) with simple bounds handled by projection:
 * coordinates at a bound whose gradient pushes outwards are held for the iteration, steps are
 * projected back into the box, and a backtracking Armijo line search accepts the step. Enough
 * for smooth, low-dimensional problems (kernel hyperparameters, acquisition refinement) where
 * a full L-BFGS-B's Cauchy point machinery buys little. Deterministic: no randomness inside.
 */
export function minimize(f: Objective, x0: Float64Array, opts: MinimizeOptions = {}): MinimizeResult {
  const n = x0.length;
  const maxIter = opts.maxIter ?? 100;
  const gtol = opts.gtol ?? 1e-5;
  const ftol = opts.ftol ?? 1e-10;
  const mem = opts.memory ?? 10;
  const lo = opts.lower;
  const hi = opts.upper;
  const x = Float64Array.from(x0);
  project(x, lo, hi);
  const g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) return { x, f: fx, iterations: 0, evaluations };
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(n);
  const alpha = new Float64Array(mem);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const free = new Uint8Array(n);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    let pgMax = 0;
    for (let i = 0; i < n; i++) {
      const atLo = lo !== undefined && x[i]! <= lo[i]! && g[i]! > 0;
      const atHi = hi !== undefined && x[i]! >= hi[i]! && g[i]! < 0;
      free[i] = atLo || atHi ? 0 : 1;
      if (free[i]) pgMax = Math.max(pgMax, Math.abs(g[i]!));
    }
    if (pgMax < gtol) break;
    // Two-loop recursion on the free coordinates.
    for (let i = 0; i < n; i++) dir[i] = free[i] ? -g[i]! : 0;
    const k = sHist.length;
    for (let j = k - 1; j >= 0; j--) {
      let a = 0;
      const s = sHist[j]!;
      for (let i = 0; i < n; i++) a += s[i]! * dir[i]!;
      a *= rho[j]!;
      alpha[j] = a;
      const y = yHist[j]!;
      for (let i = 0; i < n; i++) if (free[i]) dir[i] = dir[i]! - a * y[i]!;
    }
    if (k > 0) {
      const s = sHist[k - 1]!;
      const y = yHist[k - 1]!;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < n; i++) {
        sy += s[i]! * y[i]!;
        yy += y[i]! * y[i]!;
      }
      const gamma = sy / yy;
      for (let i = 0; i < n; i++) dir[i] = dir[i]! * gamma;
    }
    for (let j = 0; j < k; j++) {
      const y = yHist[j]!;
      let b = 0;
      for (let i = 0; i < n; i++) b += y[i]! * dir[i]!;
      b *= rho[j]!;
      const s = sHist[j]!;
      for (let i = 0; i < n; i++) if (free[i]) dir[i] = dir[i]! + (alpha[j]! - b) * s[i]!;
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += dir[i]! * g[i]!;
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      sHist.length = 0;
      yHist.length = 0;
      rho.length = 0;
      slope = 0;
      for (let i = 0; i < n; i++) {
        dir[i] = free[i] ? -g[i]! : 0;
        slope -= dir[i]! * dir[i]!;
      }
    }
    let t = k === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let fNew = Infinity;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + t * dir[i]!;
      project(xNew, lo, hi);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += g[i]! * (xNew[i]! - x[i]!);
      fNew = f(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    let ss = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
      sy += s[i]! * y[i]!;
      ss += s[i]! * s[i]!;
      yy += y[i]! * y[i]!;
    }
    if (sy > 1e-10 * Math.sqrt(ss * yy)) {
      if (sHist.length === mem) {
        sHist.shift();
        yHist.shift();
        rho.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rho.push(1 / sy);
    }
    const fPrev = fx;
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    if (fPrev - fx <= ftol * Math.max(Math.abs(fPrev), Math.abs(fx), 1)) {
      iter++;
      break;
    }
  }
  return { x, f: fx, iterations: iter, evaluations };
}

function project(x: Float64Array, lo: Float64Array | undefined, hi: Float64Array | undefined): void {
  if (lo) for (let i = 0; i < x.length; i++) if (x[i]! < lo[i]!) x[i] = lo[i]!;
  if (hi) for (let i = 0; i < x.length; i++) if (x[i]! > hi[i]!) x[i] = hi[i]!;
}
