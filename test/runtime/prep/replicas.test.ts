import { afterEach, describe, expect, it } from 'vitest';
import { soloCollective, type Collective } from '../../../runtime/src/dist/collective';
import { fitPrep, type FittedPrep } from '../../../runtime/src/prep';
import { closeAll, startWorld } from '../dist/helpers';
import { rng, tempData, tripRow } from './gen';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('fitting over replicas', () => {
  it('imputation means and scaling statistics are identical with 1, 2 and 3 replicas (real TCP collective)', async () => {
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
        expect(f).toEqual(fits[0]);
        // Sums in another order round differently only in the last bits.
        f.means.forEach((m, k) => expect(m).toBeCloseTo(solo.means[k]!, 9));
        f.spread.forEach((s, k) => expect(s).toBeCloseTo(solo.spread[k]!, 9));
      }
    }
  });
});
