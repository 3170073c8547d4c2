import type { JobProgress } from '../../../providers/provider';
import { fmtClock } from '../../../tracking/ui/core/format';

/** Seconds as m:ss or h:mm:ss: the tracking UI's study progress prints the same clock (one function for both). */
export const formatDuration: (sec: number) => string = fmtClock;

/** A metric value with 4 significant decimals. */
export function formatValue(v: number): string {
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

/** One line of live progress: trials done/running/pruned/failed , best so far, elapsed, ETA. */
export function formatProgress(p: JobProgress): string {
  if (p.countsUnknown !== undefined) return [`${p.jobId} ${p.status}`, `trial counts unknown: ${p.countsUnknown}`, `elapsed ${formatDuration(p.elapsedSec)}`].join(' · ');
  const done = p.complete + p.pruned + p.failed;
  const parts = [
    `${p.jobId} ${p.status}`,
    `trials ${done}/${p.total} done (${p.complete} complete, ${p.pruned} pruned, ${p.failed} failed), ${p.running} running`,
    p.best ? `best ${p.metric} ${formatValue(p.best.value)} (trial ${p.best.number})` : `best ${p.metric} -`,
    `elapsed ${formatDuration(p.elapsedSec)}`,
  ];
  if (p.etaSec !== undefined) parts.push(`ETA ${formatDuration(p.etaSec)}`);
  return parts.join(' · ');
}
