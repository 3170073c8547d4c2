import { describe, expect, it } from 'vitest';
import { batchNormForwardEval, batchNormForwardTrain, BN_EPS, createModel, parseHParams } from '../../../runtime/src/model';

describe('BatchNorm1d semantics', () => {
  const n = 4;
  const x = Float64Array.of(1, 10, 2, 20, 3, 30, 6, 40); // [4 rows, 2 features]
  const p = Float64Array.of(2, 0.5, 1, -1); // gamma [2, 0.5], beta [1, -1]

  it('train mode: batch mean and biased variance; running stats with momentum 0.1 and unbiased variance', () => {
    const stats = Float64Array.of(0, 0, 1, 1);
    const y = new Float64Array(8);
    batchNormForwardTrain(x, n, 2, p, 0, 2, stats, 0, 2, y, new Float64Array(8), new Float64Array(2));
    // feature 0: mean 3, biased var (4 + 1 + 0 + 9)/4 = 3.5, unbiased 14/3
    const inv0 = 1 / Math.sqrt(3.5 + BN_EPS);
    expect(y[0]).toBeCloseTo(2 * (1 - 3) * inv0 + 1, 12);
    expect(y[6]).toBeCloseTo(2 * (6 - 3) * inv0 + 1, 12);
    expect(stats[0]).toBeCloseTo(0.3, 15);
    expect(stats[2]).toBeCloseTo(0.9 + 0.1 * (14 / 3), 12);
    // feature 1: mean 25, biased var (225 + 25 + 25 + 225)/4 = 125, unbiased 500/3
    expect(stats[1]).toBeCloseTo(2.5, 15);
    expect(stats[3]).toBeCloseTo(0.9 + 0.1 * (500 / 3), 12);
  });

  it('eval mode: normalises with the running statistics, not the batch', () => {
    const stats = Float64Array.of(1, 2, 4, 9);
    const y = new Float64Array(8);
    batchNormForwardEval(x, n, 2, p, 0, 2, stats, 0, 2, y);
    expect(y[2]).toBeCloseTo((2 * (2 - 1)) / Math.sqrt(4 + BN_EPS) + 1, 12);
    expect(y[3]).toBeCloseTo((0.5 * (20 - 2)) / Math.sqrt(9 + BN_EPS) - 1, 12);
  });

  it.each(['js', 'wasm'] as const)('model (%s): train steps move running stats, predictions use them', (backend) => {
    const hp = parseHParams({ num_hidden_neurons: [3], batch_size: 8 });
    const m = createModel(hp, 'float64', { backend });
    const s = m.layout.linears[0];
    expect(Array.from(m.stats.subarray(s.runningMean, s.runningMean + 8))).toEqual(new Array(8).fill(0));
    expect(Array.from(m.stats.subarray(s.runningVar, s.runningVar + 8))).toEqual(new Array(8).fill(1));
    const xs = Float64Array.from({ length: 64 }, (_, k) => 38.9 + (k % 8) + Math.sin(k));
    const ys = Float64Array.from({ length: 8 }, (_, k) => k);
    const before = m.network.predict.bind(m.network);
    const p1 = new Float64Array(8);
    before(xs, 8, p1);
    m.network.lossAndGrad(xs, ys, 8);
    // Feature 0's batch mean moved the running mean by 0.1 of it.
    let mean0 = 0;
    for (let r = 0; r < 8; r++) mean0 += xs[r * 8] / 8;
    expect(m.stats[s.runningMean]).toBeCloseTo(0.1 * mean0, 12);
    // Same parameters, different running statistics: evaluation output changes.
    const p2 = new Float64Array(8);
    m.network.predict(xs, 8, p2);
    expect(Array.from(p2)).not.toEqual(Array.from(p1));
    // Evaluation of one row does not depend on the other rows in its batch (no batch statistics).
    const one = new Float64Array(1);
    m.network.predict(xs.subarray(8, 16), 1, one);
    expect(one[0]).toBeCloseTo(p2[1], 12);
  });
});
