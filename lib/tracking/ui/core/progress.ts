// A study's progress as `dojo job wait` reports it: done, running, pruned, failed, best, ETA (pure).
import { bestTrial, type Study, type Trial } from './study';
import { fmtClock, fmtNum } from './format';

/** Counts, best so far, elapsed time and ETA of a study. */
export interface Progress {
  /** Trials the study will run (maxTrials), when it says. */
  readonly total?: number;
  /** Trials that ended: complete + pruned + failed. */
  readonly done: number;
  readonly complete: number;
  readonly pruned: number;
  readonly failed: number;
  readonly running: number;
  readonly best?: Trial;
  readonly elapsedSec: number;
  /** Time left at the pace so far; absent when finished, unknown total or nothing done yet. */
  readonly etaSec?: number;
  readonly finished: boolean;
}

/** The progress of a study at `now` (epoch ms). */
export function progressOf(study: Study, now: number = Date.now()): Progress {
  const c = { complete: 0, pruned: 0, failed: 0, running: 0 };
  for (const t of study.trials) c[t.state]++;
  const done = c.complete + c.pruned + c.failed;
  const ends = study.trials.map((t) => t.endTime ?? 0);
  // A finished study stops its clock at its last trial's end.
  const end = study.finished && done > 0 ? Math.max(...ends) : now;
  const elapsedSec = Math.max(0, (end - study.startTime) / 1000);
  const total = study.maxTrials;
  const left = total === undefined ? undefined : Math.max(0, total - done);
  const etaSec = !study.finished && done > 0 && left !== undefined ? (elapsedSec / done) * left : undefined;
  const best = bestTrial(study);
  return {
    ...(total !== undefined ? { total } : {}),
    done,
    ...c,
    ...(best ? { best } : {}),
    elapsedSec,
    ...(etaSec !== undefined ? { etaSec } : {}),
    finished: study.finished,
  };
}

/** The progress line, in the words and order of `dojo job wait`. */
export function progressLine(study: Study, p: Progress): string {
  const parts = [
    `${study.finished ? 'finished' : 'running'} · trials ${p.done}/${p.total ?? '?'} done (${p.complete} complete, ${p.pruned} pruned, ${p.failed} failed), ${p.running} running`,
    p.best ? `best ${study.metric} ${fmtNum(p.best.value)} (${p.best.number !== undefined ? `trial ${p.best.number}` : p.best.name})` : `best ${study.metric} -`,
    `elapsed ${fmtClock(p.elapsedSec)}`,
  ];
  if (p.etaSec !== undefined) parts.push(`ETA ${fmtClock(p.etaSec)}`);
  return parts.join(' · ');
}
