import type { StudyDetail } from '../study';

/** One row of the describe() table: numeric columns get quantiles, categoricals their top value. */
export interface DescribeRow {
  readonly column: string;
  readonly count: number;
  readonly mean?: number;
  readonly std?: number;
  readonly min?: number;
  readonly q25?: number;
  readonly q50?: number;
  readonly q75?: number;
  readonly max?: number;
  readonly unique?: number;
  readonly top?: string;
  readonly freq?: number;
}

/** Linear-interpolated quantile of sorted numbers (pandas' default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Summary statistics of complete trials, like the book's `study.trials_dataframe().describe()`. */
export function describe(study: StudyDetail): DescribeRow[] {
  const done = study.trials.filter((t) => t.state === 'complete');
  const rows: DescribeRow[] = [numericRow('value', done.map((t) => t.value!))];
  for (const [name, p] of Object.entries(study.space)) {
    const vals = done.map((t) => t.params[name]);
    if (p.type === 'categorical') {
      const freq = new Map<string, number>();
      for (const v of vals) freq.set(String(v), (freq.get(String(v)) ?? 0) + 1);
      let top: string | undefined;
      let n = 0;
      for (const [k, c] of freq) {
        if (c > n) {
          top = k;
          n = c;
        }
      }
      rows.push({ column: `params_${name}`, count: vals.length, unique: freq.size, ...(top !== undefined ? { top, freq: n } : {}) });
    } else rows.push(numericRow(`params_${name}`, vals as number[]));
  }
  return rows;
}

function numericRow(column: string, xs: number[]): DescribeRow {
  const n = xs.length;
  if (n === 0) return { column, count: 0 };
  const sorted = [...xs].sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { column, count: n, mean, std, min: sorted[0]!, q25: quantile(sorted, 0.25), q50: quantile(sorted, 0.5), q75: quantile(sorted, 0.75), max: sorted[n - 1]! };
}
