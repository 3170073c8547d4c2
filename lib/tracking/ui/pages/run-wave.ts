// The requests of a run's page, as one wave: each started as soon as what it needs is known. No DOM
// and no views here: the page's boot script (boot.ts, inline in the HTML) starts the wave while
// app.js is still loading, and the page then takes it over (takeRunWave).
import type { StudyDetail } from '../../../hpo/api';
import type { Experiment, FileInfo, Run } from '../../types';
import { buildStudy } from '../core/study';
import { initialKeys, studyIdOf } from '../core/study-keys';
import { childrenOf, hpoStudy, listArtifacts, mlflowGet, pointsPerRun } from '../dom/api';
import { takeWave } from '../dom/boot-wave';
import { SeriesCache } from '../dom/series-cache';

/** What a run's page reads, each part a promise awaited where it is drawn. */
export interface RunData {
  readonly run: Run;
  /** Whether it is a study's parent run (an HPO study id or role tag): the study page, even without trials yet. */
  readonly tagged: boolean;
  readonly exp: Promise<Experiment>;
  /** Its child runs (a study's trials). */
  readonly kids: Promise<Run[]>;
  /** Its parent run, when it is a child. */
  readonly parent: Promise<Run | undefined>;
  /** The HPO service's live view of its study, when linked. */
  readonly live: Promise<StudyDetail | undefined>;
  /** Its artifacts' top folder. */
  readonly files: Promise<FileInfo[]>;
  /** Its `report/` folder, when it is tagged as a study. */
  readonly reportFiles?: Promise<FileInfo[]>;
  /** The trials' curves charted first (initialKeys()), being loaded into `series`. */
  readonly series: SeriesCache;
  readonly seriesLoaded: Promise<void>;
}

/** A wave of requests under way for one run. */
export interface RunWave {
  readonly runId: string;
  readonly data: Promise<RunData>;
}

/** Starts the requests of run `runId`'s page: the run, then at once everything that depends on it. */
export function startRunWave(runId: string): RunWave {
  const data = mlflowGet<{ run: Run }>('runs/get', { run_id: runId }).then(({ run }): RunData => {
    const parentId = run.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value;
    const studyId = studyIdOf(run);
    const tagged = studyId !== undefined || run.data.tags?.some((t) => t.key === 'hpo.role' && t.value === 'study') === true;
    // The HPO view first: the server fetches it from the HPO service (a second hop), so asked
    // first it is not queued behind the other answers.
    const live = studyId ? hpoStudy(studyId) : Promise.resolve(undefined);
    const kids = childrenOf(run);
    const files = listArtifacts(run, '');
    const series = new SeriesCache();
    // A study's trial curves as soon as its trials are known.
    const seriesLoaded = kids.then((k) => (k.length > 0 ? series.load(k.map((r) => r.info.run_id), initialKeys(buildStudy(run, k)), pointsPerRun(k.length)) : undefined));
    const reportFiles = tagged ? listArtifacts(run, 'report') : undefined;
    const exp = mlflowGet<{ experiment: Experiment }>('experiments/get', { experiment_id: run.info.experiment_id }).then((r) => r.experiment);
    const parent = parentId ? mlflowGet<{ run: Run }>('runs/get', { run_id: parentId }).then((r) => r.run, () => undefined) : Promise.resolve(undefined);
    // Each awaited where it is drawn (or not at all when the page fails first): no unhandled rejection meanwhile.
    for (const p of [kids, files, seriesLoaded, reportFiles, exp]) p?.catch(() => undefined);
    return { run, tagged, exp, kids, parent, live, files, ...(reportFiles ? { reportFiles } : {}), series, seriesLoaded };
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
