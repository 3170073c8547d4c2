import { afterEach, describe, expect, it } from 'vitest';
import { soloCollective, type Collective } from '../../../runtime/src/collective/collective';
import { fitPrep, type FittedPrep } from '../../../runtime/src/prep';
import { closeAll, startWorld } from '../collective/helpers';
import { rng, tempData, tripRow } from './gen';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('fitting over replicas', () => {
  it('imputation means and scaling statistics are bit-identical with 1, 2 and 3 replicas (real TCP collective)', async () => {
    const t = tempData();
    cleanups.push(t.cleanup);
    const r = rng(11);
    // 7 files of uneven sizes, with bad features, so every replica holds different rows.
    for (let f = 0; f < 7; f++) {
      const rows: (number | string)[][] = [];
      for (let i = 0; i < 150 + 37 * f; i++) {
        const row: (number | string)[] = tripRow(r);
        if (i % 9 === 4) row[1 + (i % 8)] = '';
        rows.push(row);
      }
      t.write(`part-${f}.csv`, rows);
    }
    const data = { glob: `${t.dir}/part-*.csv`, shardSize: 64, batchSize: 100, dtype: 'float64' as const, onBadRow: 'mark' as const };
    const stages = { missing: 'mean' as const, scale: 'standard' as const };
    const solo = await fitPrep(stages, data, soloCollective);
    for (const n of [2, 3]) {
      const { members } = await startWorld(n);
      cleanups.push(() => closeAll(members));
      const fits: FittedPrep[] = await Promise.all(members.map((c: Collective) => fitPrep(stages, data, c)));
      for (const f of fits) {
        // Exact sums, rounded once after the allreduce: the same bits whatever rows each replica read.
        expect(f).toEqual(solo);
        for (const field of ['means', 'center', 'spread'] as const) {
          f[field].forEach((v, k) => expect(Object.is(v, solo[field][k]), `${n} replicas, ${field}[${k}]: ${v} vs ${solo[field][k]}`).toBe(true));
        }
      }
    }
  });
});
