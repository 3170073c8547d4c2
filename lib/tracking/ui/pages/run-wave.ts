// The requests of a run's page, as one wave: each started as soon as what it needs is known. No DOM
// and no views here: the page's boot script (boot.ts, inline in the HTML) starts the wave while
// app.js is still loading, and the page then takes it over (takeRunWave).
import type { StudyDetail } from '../../../hpo/api';
import type { Experiment, FileInfo, Run } from '../../types';
import { studyIdOf } from '../core/study-keys';
import { mlflowGet, runPage } from '../dom/api';
import { takeWave } from '../dom/boot-wave';
import { SeriesCache } from '../dom/series-cache';

/** What a run's page reads, each part a promise awaited where it is drawn. */
export interface RunData {
  readonly run: Run;
  /** Whether it is a study's parent run (an HPO study id or role tag): the study page, even without trials yet. */
  readonly tagged: boolean;
  readonly exp: Experiment;
  /** Its child runs (a study's trials). */
  readonly kids: Run[];
  /** Its parent run, when it is a child. */
  readonly parent: Promise<Run | undefined>;
  /** The HPO service's live view of its study, when linked. */
  readonly live: StudyDetail | undefined;
  /** Its artifacts' top folder. */
  readonly files: FileInfo[];
  /** Its `report/` folder. */
  readonly reportFiles: FileInfo[];
  /** The trials' curves charted first (those of the run-page answer). */
  readonly series: SeriesCache;
}

/** A wave of requests under way for one run. */
export interface RunWave {
  readonly runId: string;
  readonly data: Promise<RunData>;
}

/**
 * Starts the requests of run `runId`'s page: the run with its experiment, its children, their
 * first curves, its artifacts and its study's HPO view in one request (`/dojo-api/v1/run-page`),
 * then its parent run, if any.
 */
export function startRunWave(runId: string): RunWave {
  const data = runPage(runId).then((first): RunData => {
    const { run } = first;
    const parentId = run.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value;
    const tagged = studyIdOf(run) !== undefined || run.data.tags?.some((t) => t.key === 'hpo.role' && t.value === 'study') === true;
    const series = new SeriesCache();
    series.add(first.series.series);
    const parent = parentId ? mlflowGet<{ run: Run }>('runs/get', { run_id: parentId }).then((r) => r.run, () => undefined) : Promise.resolve(undefined);
    return { run, tagged, exp: first.experiment, kids: first.children, parent, live: first.hpo ?? undefined, files: first.files, reportFiles: first.report_files, series };
  });
  data.catch(() => undefined);
  return { runId, data };
}

/** The name a run page's wave is left under by the boot script. */
export const runWaveKey = (runId: string): string => `run ${runId}`;

/** The wave the boot script started for run `runId` (taken once), else a new one. */
export function takeRunWave(runId: string): RunWave {
  return takeWave<RunWave>(runWaveKey(runId)) ?? startRunWave(runId);
}
