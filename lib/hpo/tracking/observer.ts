import { TrackingClient, type RunTag } from '../../tracking';
import type { StudyObserver } from '../observer';
import type { StoredTrial } from '../storage/sqlite';
import type { BestModel, StudyRuntime } from '../study';
import { longTag, TAG, TAG_VALUE_LIMIT } from './tags';
import { promoteBestModel } from './best-model';

const STATUS = { complete: 'FINISHED', pruned: 'KILLED', failed: 'FAILED', running: 'RUNNING' } as const;

/**
 * Mirrors studies into an MLflow-compatible tracking server: a study is a parent run whose tags
 * hold everything needed to recreate it (spec, seed); a trial is a child run created at ask
 * time whose params are the suggestion (typed copy in a tag), ended at tell with metric
 * `objective` and its final state. At study end the report is uploaded as artifacts.
 */
export class TrackingObserver implements StudyObserver {
  private readonly client: TrackingClient;
  private readonly experiments = new Map<number, string>();

  constructor(
    uri: string,
    private readonly log: (line: string) => void,
  ) {
    this.client = new TrackingClient(uri);
  }

  private async experimentOf(study: StudyRuntime): Promise<string> {
    let id = this.experiments.get(study.row.id);
    if (!id) {
      id = await this.client.getOrCreateExperiment(study.spec.tracking?.experimentName ?? study.row.name);
      this.experiments.set(study.row.id, id);
    }
    return id;
  }

  /** Creates the study's parent run. */
  async studyCreated(study: StudyRuntime): Promise<string> {
    const experimentId = await this.experimentOf(study);
    const spec = study.spec;
    const run = await this.client.createRun({
      experimentId,
      runName: `study-${study.row.name}`,
      tags: {
        [TAG.role]: 'study',
        [TAG.study]: study.row.name,
        [TAG.studyId]: String(study.row.id),
        [TAG.sampler]: spec.sampler.name,
        [TAG.seed]: String(study.row.seed),
        [TAG.direction]: spec.direction,
        ...longTag(TAG.space, JSON.stringify(spec.space)),
        ...longTag(TAG.spec, JSON.stringify(spec)),
        ...(spec.pruner ? { [TAG.pruner]: spec.pruner.name } : {}),
        ...(spec.metric ? { [TAG.metric]: spec.metric } : {}),
      },
    });
    return run.info.run_id;
  }

  /** Creates a trial's child run with its params. */
  async trialStarted(study: StudyRuntime, trial: StoredTrial): Promise<string | undefined> {
    const parentRunId = study.row.parentRunId;
    if (!parentRunId) return undefined;
    const run = await this.client.createRun({
      experimentId: await this.experimentOf(study),
      runName: `${study.row.name}-trial-${trial.number}`,
      parentRunId,
      startTime: trial.startedAt,
      tags: {
        [TAG.role]: 'trial',
        [TAG.study]: study.row.name,
        [TAG.trialNumber]: String(trial.number),
        [TAG.state]: 'running',
        ...longTag(TAG.params, JSON.stringify(trial.params)),
      },
    });
    const params = Object.entries(trial.params).map(([key, v]) => ({ key, value: String(v) }));
    if (params.length > 0) await this.client.logBatch(run.info.run_id, { params });
    return run.info.run_id;
  }

  /** Logs the final value and state and ends the trial's run. */
  async trialFinished(_study: StudyRuntime, trial: StoredTrial): Promise<void> {
    if (!trial.runId) return;
    const tags: RunTag[] = [{ key: TAG.state, value: trial.state }];
    const metrics = trial.value === undefined ? [] : [{ key: 'objective', value: trial.value, timestamp: trial.endedAt ?? Date.now(), step: 0 }];
    await this.client.logBatch(trial.runId, { metrics, tags });
    await this.client.updateRun(trial.runId, { status: STATUS[trial.state], endTime: trial.endedAt ?? Date.now() });
  }

  /**
   * Promotes the best trial's model (best_model/, registered version), uploads the report (HTML +
   * SVG plots, naming that model) to the parent run and ends it; returns the best model. A step that
   * fails (an upload refused, a full disk) does not leave the parent run RUNNING: the run ends
   * FINISHED all the same, with what failed in the tag `hpo.warning` and in the log.
   */
  async studyFinished(study: StudyRuntime): Promise<BestModel | undefined> {
    const parentRunId = study.row.parentRunId;
    if (!parentRunId) return undefined;
    const warnings: string[] = [];
    const step = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (e) {
        warnings.push(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    };
    const run = await this.client.getRun(parentRunId);
    const model = await step('promoting the best model', () => promoteBestModel(this.client, study.detail(), parentRunId, this.log));
    const detail = { ...study.detail(), ...(model ? { bestModel: model } : {}) };
    const uploaded = await step('uploading the report', async () => {
      const { renderReportFiles } = await import('../report/html');
      const { trialNotesFromTracking } = await import('../report/tracking-notes');
      // Failure reasons live in the trials' runs only; a report without them beats no report.
      const trialNotes = await trialNotesFromTracking(this.client, run.info.experiment_id, parentRunId).catch(() => undefined);
      for (const f of await renderReportFiles(detail, { trialNotes })) await this.client.uploadArtifact(run, `report/${f.name}`, f.content);
      return true;
    });
    const best = detail.best;
    const warning = warnings.join('; ').slice(0, TAG_VALUE_LIMIT);
    await step('logging the best trial', () =>
      this.client.logBatch(parentRunId, {
        metrics: best ? [{ key: 'best_objective', value: best.value, timestamp: Date.now(), step: 0 }] : [],
        tags: [...(best ? [{ key: TAG.bestTrial, value: String(best.number) }] : []), ...(warning ? [{ key: TAG.warning, value: warning }] : [])],
      }),
    );
    await this.client.updateRun(parentRunId, { status: 'FINISHED', endTime: Date.now() });
    for (const w of warnings) this.log(`study ${study.row.name}: warning: ${w} (run ${parentRunId} ended FINISHED without it)`);
    this.log(
      `study ${study.row.name}: finished; ${uploaded ? `report uploaded to run ${parentRunId} (artifacts report/)` : `run ${parentRunId} has no report`}${model ? `; best model ${model.uri}${model.registeredModel ? ` registered as ${model.registeredModel.uri}` : ''}` : ''}`,
    );
    return model;
  }
}
