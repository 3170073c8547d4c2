import type { TrainProgress, TrainResult } from '../../../../runtime/src/train/train';

/** The final JSON line of `dojo train` (issue 3's field list). */
export function formatTrainResult(r: TrainResult): string {
  const round = (v: number, d: number): number => Number(v.toFixed(d));
  return JSON.stringify({
    train_mse: r.train_mse,
    train_rmse: r.train_rmse,
    val_rmse: r.val_rmse,
    ...(r.test_rmse !== undefined ? { test_rmse: r.test_rmse } : {}),
    rows_per_sec: Math.round(r.rows_per_sec),
    end_to_end_rows_per_sec: Math.round(r.end_to_end_rows_per_sec),
    parse_mb_per_sec: round(r.parse_mb_per_sec, 1),
    seconds: round(r.seconds, 3),
    rows_skipped: r.rows_skipped,
    ...(r.rows_dropped !== undefined ? { rows_dropped: r.rows_dropped } : {}),
    ...(r.values_imputed !== undefined ? { values_imputed: r.values_imputed } : {}),
    steps: r.steps,
  });
}

/** One progress line: step, rows/s of compute, train RMSE; with `width`, a bar in front. */
export function formatProgress(p: TrainProgress, width = 0): string {
  const rate = p.rowsPerSec >= 1e6 ? `${(p.rowsPerSec / 1e6).toFixed(2)}M` : `${(p.rowsPerSec / 1e3).toFixed(1)}k`;
  if (p.phase !== 'train') return `train: evaluating on ${p.phase} after ${p.step} steps (${p.seconds.toFixed(1)} s)`;
  let bar = '';
  if (width > 0) {
    const done = Math.round((width * p.step) / Math.max(1, p.steps));
    bar = `[${'#'.repeat(done)}${'.'.repeat(width - done)}] `;
  }
  return `${bar}step ${p.step}/${p.steps}  ${rate} rows/s  train_rmse ${p.trainRmse.toFixed(4)}  ${p.seconds.toFixed(1)} s`;
}
