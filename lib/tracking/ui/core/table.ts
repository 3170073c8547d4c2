// Columns of a trials table and how they sort (pure).
import { fmtNum, fmtTime, fmtDuration } from './format';
import type { Study, Trial } from './study';

/** One column: its id, header, group, how to read and show a row's cell (a trial's by default). */
export interface Column<T = Trial> {
  readonly id: string;
  readonly label: string;
  readonly group?: 'param' | 'metric';
  readonly num?: boolean;
  get(t: T): unknown;
  show?(t: T): string;
}

/** Sort direction. */
export type SortDir = 'asc' | 'desc';

/** A comparator on a column; missing values sort last both ways. */
export function compareBy<T>(col: Column<T>, dir: SortDir): (a: T, b: T) => number {
  return (a, b) => {
    const x = col.get(a);
    const y = col.get(b);
    const missX = x === undefined || x === null || x === '' || (col.num && !Number.isFinite(Number(x)));
    const missY = y === undefined || y === null || y === '' || (col.num && !Number.isFinite(Number(y)));
    if (missX || missY) return missX === missY ? 0 : missX ? 1 : -1;
    const c = col.num ? Number(x) - Number(y) : String(x).localeCompare(String(y), undefined, { numeric: true });
    return dir === 'asc' ? c : -c;
  };
}

/**
 * The columns of a study's trials table: trial, state (in the study's words), the objective,
 * sampler when known, each parameter, each metric's latest value, start and duration.
 */
export function trialColumns(study: Study): Column[] {
  const params = study.space ? Object.keys(study.space) : [...new Set(study.trials.flatMap((t) => Object.keys(t.params)))].sort();
  const metrics = [...new Set(study.trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const cols: Column[] = [
    { id: 'trial', label: 'Trial', num: true, get: (t) => t.number ?? t.startTime, show: (t) => (t.number !== undefined ? String(t.number) : t.name) },
    { id: 'state', label: 'State', get: (t) => t.words },
    { id: 'value', label: `${study.metric} (${study.direction === 'maximize' ? 'max' : 'min'})`, num: true, get: (t) => t.value, show: (t) => fmtNum(t.value) },
  ];
  if (study.trials.some((t) => t.sampler)) cols.push({ id: 'sampler', label: 'Sampler', get: (t) => t.sampler });
  cols.push(
    ...params.map((k): Column => ({ id: `params.${k}`, label: k, group: 'param', num: study.trials.every((t) => t.params[k] === undefined || typeof t.params[k] === 'number'), get: (t) => t.params[k], show: (t) => (typeof t.params[k] === 'number' ? fmtNum(t.params[k]) : String(t.params[k] ?? '')) })),
    ...metrics.map((k): Column => ({ id: `metrics.${k}`, label: k, group: 'metric', num: true, get: (t) => t.metrics[k]?.value, show: (t) => fmtNum(t.metrics[k]?.value) })),
    { id: 'start', label: 'Start', num: true, get: (t) => t.startTime, show: (t) => fmtTime(t.startTime) },
    { id: 'duration', label: 'Duration', num: true, get: (t) => (t.endTime ?? Date.now()) - t.startTime, show: (t) => fmtDuration(t.startTime, t.endTime) },
  );
  return cols;
}
