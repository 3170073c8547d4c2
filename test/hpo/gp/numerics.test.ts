import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../lib/hpo/rng';
import { matern52, matern52Grad } from '../../../lib/hpo/samplers/gp/kernel';
import { minimize } from '../../../lib/hpo/samplers/gp/lbfgs';
import { cholesky, choleskyInverse, logDetFromCholesky, solveLower, solveUpperT } from '../../../lib/hpo/samplers/gp/linalg';
import { dLogH, logEi, logEiPartials, logH, normalCdf } from '../../../lib/hpo/samplers/gp/logei';
import { NegLogPosterior } from '../../../lib/hpo/samplers/gp/mll';
import { GpPosterior } from '../../../lib/hpo/samplers/gp/posterior';
import { decodeParams, logPrior, MIN_NOISE } from '../../../lib/hpo/samplers/gp/prior';
import { lhsRow } from '../../../lib/hpo/samplers/gp/lhs';

/** A random symmetric positive-definite matrix B Bᵀ + n I. */
function spd(rng: Rng, n: number): Float64Array {
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? n : 0;
    for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
    a[i * n + j] = s;
  }
  return a;
}

/** Central finite difference of f at x along coordinate k. */
function fd(f: (x: Float64Array) => number, x: Float64Array, k: number, h = 1e-5): number {
  const a = Float64Array.from(x);
  const b = Float64Array.from(x);
  a[k] = a[k]! + h;
  b[k] = b[k]! - h;
  return (f(a) - f(b)) / (2 * h);
}

describe('linear algebra', () => {
  it('cholesky: L Lᵀ = A, solves and the inverse agree (property over random SPD matrices)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
        const rng = new Rng(seed);
        const a = spd(rng, n);
        const l = new Float64Array(n * n);
        expect(cholesky(a, n, l)).toBe(0);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += l[i * n + k]! * l[j * n + k]!;
          expect(s).toBeCloseTo(a[i * n + j]!, 8);
        }
        const b = Float64Array.from({ length: n }, () => rng.normal());
        const x = new Float64Array(n);
        solveLower(l, n, b, x);
        solveUpperT(l, n, x, x);
        const inv = new Float64Array(n * n);
        choleskyInverse(l, n, new Float64Array(n * n), inv);
        for (let i = 0; i < n; i++) {
          let ax = 0;
          let invb = 0;
          for (let k = 0; k < n; k++) {
            ax += a[i * n + k]! * x[k]!;
            invb += inv[i * n + k]! * b[k]!;
          }
          expect(ax).toBeCloseTo(b[i]!, 8);
          expect(invb).toBeCloseTo(x[i]!, 8);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('log det of [[4, 2], [2, 3]] is log 8 (hand-derived), and a singular matrix gets jitter', () => {
    const l = new Float64Array(4);
    expect(cholesky(Float64Array.of(4, 2, 2, 3), 2, l)).toBe(0);
    expect(Array.from(l)).toEqual([2, 0, 1, Math.sqrt(2)]);
    expect(logDetFromCholesky(l, 2)).toBeCloseTo(Math.log(8), 12);
    expect(cholesky(Float64Array.of(1, 1, 1, 1), 2, l)).toBeGreaterThan(0);
    expect(cholesky(Float64Array.of(1, 2, 2, 1), 2, l)).toBe(-1);
  });
});

describe('Matérn-5/2 kernel', () => {
  it('is 1 at distance 0, (1 + √5 + 5/3) e^−√5 at r = 1, and dM/dr² matches finite differences', () => {
    expect(matern52(0)).toBe(1);
    expect(matern52(1)).toBeCloseTo((1 + Math.sqrt(5) + 5 / 3) * Math.exp(-Math.sqrt(5)), 14);
    expect(matern52Grad(0)).toBeCloseTo(-5 / 6, 14);
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 20, noNaN: true }), (r2) => {
        expect(matern52Grad(r2)).toBeCloseTo((matern52(r2 + 1e-6) - matern52(r2 - 1e-6)) / 2e-6, 6);
      }),
    );
  });
});

describe('log expected improvement', () => {
  it('equals log(φ(z) + zΦ(z)) where that is computable, and stays finite and smooth far out', () => {
    for (const z of [-5, -2, -1, -0.5, 0, 0.5, 1, 3]) {
      const direct = Math.log(Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) + z * normalCdf(z));
      expect(logH(z)).toBeCloseTo(direct, 5);
    }
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    // Far out: log h(z) ≈ log φ(z) − 2 log|z| (h ~ φ/z²).
    const z = -40;
    expect(logH(z)).toBeCloseTo(-0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(40), 2);
    // No jumps at the branch points.
    for (const at of [-1, -10]) expect(Math.abs(logH(at - 1e-9) - logH(at + 1e-9))).toBeLessThan(1e-5);
  });

  it('d log h / dz and the partials in mean and variance match finite differences (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 6, noNaN: true }), (z) => {
        const f = (x: Float64Array) => logH(x[0]!);
        expect(dLogH(z)).toBeCloseTo(fd(f, Float64Array.of(z), 0, 1e-5), 3);
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 4, noNaN: true }), (mean, variance) => {
        const out = new Float64Array(2);
        const v = logEiPartials(mean, variance, 0.5, out);
        expect(v).toBeCloseTo(logEi(mean, variance, 0.5), 12);
        const f = (x: Float64Array) => logEi(x[0]!, x[1]!, 0.5);
        const at = Float64Array.of(mean, variance);
        for (const k of [0, 1]) {
          const num = fd(f, at, k, 1e-7 * Math.max(1e-3, at[k]!));
          expect(Math.abs(out[k]! - num)).toBeLessThan(1e-4 * Math.max(1, Math.abs(num)));
        }
      }),
    );
  });
});

describe('marginal likelihood and prior', () => {
  it('for one point: −log p = ½ y²/(s+noise) + ½ log(2π(s+noise)) − log prior (hand-derived)', () => {
    const theta = Float64Array.of(0.3, Math.log(2), Math.log(0.5));
    const nlp = new NegLogPosterior(Float64Array.of(0.4), Float64Array.of(1.5), 1, 1, Uint8Array.of(0));
    const grad = new Float64Array(3);
    const c = 2 + 0.5 + MIN_NOISE;
    const prior = logPrior(theta, 1, new Float64Array(3));
    expect(nlp.evaluate(theta, grad)).toBeCloseTo(0.5 * (1.5 * 1.5) / c + 0.5 * Math.log(2 * Math.PI * c) - prior, 10);
    expect(grad[0]).toBeCloseTo(-(0.1 / Math.exp(0.3) - 0.1 * Math.exp(0.3)), 10); // one point: ils only through the prior
  });

  it('the gradient matches finite differences (property over random data, numeric and categorical)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1e6 }), (n, d, seed) => {
        const rng = new Rng(seed);
        const categorical = Uint8Array.from({ length: d }, (_, k) => (k === d - 1 && d > 1 ? 1 : 0));
        const x = Float64Array.from({ length: n * d }, (_, i) => (categorical[i % d] ? rng.int(3) : rng.next()));
        const y = Float64Array.from({ length: n }, () => rng.normal());
        const nlp = new NegLogPosterior(x, y, n, d, categorical);
        const theta = Float64Array.from({ length: d + 2 }, () => rng.uniform(-1.5, 1.5));
        theta[d + 1] = rng.uniform(-6, 0);
        const grad = new Float64Array(d + 2);
        nlp.evaluate(theta, grad);
        const f = (t: Float64Array) => nlp.evaluate(t, new Float64Array(d + 2));
        for (let k = 0; k < d + 2; k++) {
          const num = fd(f, theta, k, 1e-6);
          expect(Math.abs(grad[k]! - num)).toBeLessThan(1e-4 * Math.max(1, Math.abs(num)));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('posterior', () => {
  it('one observation: mean s/(s+σ²)·y and variance s − s²/(s+σ²) at the point (hand-derived)', () => {
    const params = { ils: Float64Array.of(1), scale: 2, noise: 0.5 };
    const gp = new GpPosterior(Float64Array.of(0.3), Float64Array.of(1.2), 1, 1, Uint8Array.of(0), params);
    gp.predict(Float64Array.of(0.3));
    expect(gp.mean).toBeCloseTo((2 / 2.5) * 1.2, 12);
    expect(gp.variance).toBeCloseTo(2 - 4 / 2.5, 12);
    gp.predict(Float64Array.of(50)); // far away: the prior
    expect(gp.mean).toBeCloseTo(0, 12);
    expect(gp.variance).toBeCloseTo(2, 12);
  });

  it('gradients of mean and variance match finite differences (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1e6 }), (n, d, seed) => {
        const rng = new Rng(seed);
        const x = Float64Array.from({ length: n * d }, () => rng.next());
        const y = Float64Array.from({ length: n }, () => rng.normal());
        const theta = Float64Array.from({ length: d + 2 }, () => rng.uniform(-1, 2));
        const gp = new GpPosterior(x, y, n, d, new Uint8Array(d), decodeParams(theta, d));
        const z = Float64Array.from({ length: d }, () => rng.next());
        const dm = new Float64Array(d);
        const dv = new Float64Array(d);
        gp.predictGrad(z, dm, dv);
        const mean = (p: Float64Array) => (gp.predict(p), gp.mean);
        const variance = (p: Float64Array) => (gp.predict(p), gp.variance);
        for (let k = 0; k < d; k++) {
          expect(dm[k]!).toBeCloseTo(fd(mean, z, k, 1e-6), 4);
          expect(dv[k]!).toBeCloseTo(fd(variance, z, k, 1e-6), 4);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('L-BFGS', () => {
  it('minimises Rosenbrock to (1, 1) and respects bounds', () => {
    const rosen = (x: Float64Array, g: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const r = minimize(rosen, Float64Array.of(-1.2, 1), { maxIter: 500, gtol: 1e-9 });
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
    const boxed = minimize(rosen, Float64Array.of(-1.2, 0.2), { maxIter: 500, lower: Float64Array.of(-2, -2), upper: Float64Array.of(0.5, 2) });
    expect(boxed.x[0]).toBeCloseTo(0.5, 6); // the constrained optimum sits on x = 0.5, y = 0.25
    expect(boxed.x[1]).toBeCloseTo(0.25, 4);
  });
});

describe('Latin hypercube startup design', () => {
  it('puts exactly one point in each of the n strata of every dimension, the same design for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e6 }), (size, d, seed) => {
        const rows = Array.from({ length: size }, (_, i) => lhsRow(seed, size, d, i));
        for (let j = 0; j < d; j++) {
          const strata = rows.map((r) => Math.floor(r[j]! * size)).sort((a, b) => a - b);
          expect(strata).toEqual(Array.from({ length: size }, (_, i) => i));
        }
        expect(lhsRow(seed, size, d, size - 1)).toEqual(rows[size - 1]);
      }),
      { numRuns: 40 },
    );
  });
});
