import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchNormBackward, batchNormForwardTrain, linearBackward, linearForward, mseBackward, mseForward, reluBackward, reluForward,
} from '../../../runtime/src/model';

// Every backward pass against central finite differences in float64, over random shapes and inputs.
const H = 1e-6;
const vec = (n: number) => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

/** Central difference of f with respect to arr[k]. */
function fd(arr: Float64Array, k: number, f: () => number): number {
  const v = arr[k];
  arr[k] = v + H;
  const up = f();
  arr[k] = v - H;
  const down = f();
  arr[k] = v;
  return (up - down) / (2 * H);
}

function expectClose(actual: number, expected: number, tol = 1e-5): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * (1 + Math.abs(expected)));
}

const shape = fc.record({ n: fc.integer({ min: 1, max: 6 }), a: fc.integer({ min: 1, max: 5 }), b: fc.integer({ min: 1, max: 5 }) });

describe('layer gradients = central finite differences (float64)', () => {
  it('Linear: dW, dbias, dx', () => {
    fc.assert(
      fc.property(shape.chain((s) => fc.tuple(fc.constant(s), vec(s.n * s.a), vec(s.b * s.a + s.b), vec(s.n * s.b))), ([{ n, a, b }, x, p, dy]) => {
        const y = new Float64Array(n * b);
        const loss = (): number => {
          linearForward(x, n, a, b, p, 0, b * a, y);
          return y.reduce((s, v, k) => s + v * dy[k], 0);
        };
        const g = new Float64Array(p.length);
        const dx = new Float64Array(n * a);
        linearBackward(x, dy, n, a, b, p, 0, b * a, g, dx);
        for (let k = 0; k < p.length; k++) expectClose(g[k], fd(p, k, loss));
        for (let k = 0; k < x.length; k++) expectClose(dx[k], fd(x, k, loss));
      }),
      { numRuns: 60 },
    );
  });

  it('BatchNorm1d (train mode): dgamma, dbeta, dx', () => {
    const bnShape = fc.record({ n: fc.integer({ min: 2, max: 7 }), a: fc.integer({ min: 1, max: 4 }) });
    fc.assert(
      fc.property(bnShape.chain((s) => fc.tuple(fc.constant(s), vec(s.n * s.a), vec(2 * s.a), vec(s.n * s.a))), ([{ n, a }, x, p, dy]) => {
        // Rows that are all equal have zero variance; the normalisation then divides by √eps and
        // finite differences lose their accuracy, so keep the data spread out.
        for (let i = 0; i < a; i++) x[i] += 3;
        const y = new Float64Array(n * a);
        const xhat = new Float64Array(n * a);
        const inv = new Float64Array(a);
        const stats = Float64Array.from({ length: 2 * a }, (_, k) => (k < a ? 0 : 1));
        const loss = (): number => {
          batchNormForwardTrain(x, n, a, p, 0, a, stats.slice(), 0, a, y, xhat, inv);
          return y.reduce((s, v, k) => s + v * dy[k], 0);
        };
        loss();
        const g = new Float64Array(2 * a);
        const dx = new Float64Array(n * a);
        batchNormBackward(dy, xhat, inv, n, a, p, 0, g, a, dx);
        for (let k = 0; k < p.length; k++) expectClose(g[k], fd(p, k, loss), 1e-4);
        for (let k = 0; k < x.length; k++) expectClose(dx[k], fd(x, k, loss), 1e-4);
      }),
      { numRuns: 60 },
    );
  });

  it('ReLU: dx (away from the kink)', () => {
    const away = fc.array(fc.oneof(fc.double({ min: -2, max: -0.01, noNaN: true }), fc.double({ min: 0.01, max: 2, noNaN: true })), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(away, (xs) => {
        const x = Float64Array.from(xs);
        const dy = x.map((_, k) => Math.cos(k));
        const y = new Float64Array(x.length);
        const loss = (): number => {
          reluForward(x, x.length, y);
          return y.reduce((s, v, k) => s + v * dy[k], 0);
        };
        loss();
        const dx = new Float64Array(x.length);
        reluBackward(dy, y, x.length, dx);
        for (let k = 0; k < x.length; k++) expectClose(dx[k], fd(x, k, loss));
      }),
    );
  });

  it('MSE: d/dŷ', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }).chain((n) => fc.tuple(vec(n), vec(n))), ([yhat, y]) => {
        const n = y.length;
        const loss = (): number => mseForward(yhat, y, n) / n;
        const d = new Float64Array(n);
        mseBackward(yhat, y, n, d);
        for (let k = 0; k < n; k++) expectClose(d[k], fd(yhat, k, loss));
      }),
    );
  });
});
