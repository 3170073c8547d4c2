// A command job on a local dojo whose tracking server is the real MLflow 2.11.3 (`dojo init
// --tracking-uri`): the trial's child runs are MLflow's, the stdlib-only command logs its metric to
// MLFLOW_RUN_ID over MLflow's own REST API, and the study ends with the right best trial.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo/client';
import { TrackingClient } from '../../lib/tracking';
import { REAL_MLFLOW_MISSING, REAL_MLFLOW_MODE, startRealMlflow, type RealMlflow } from '../tracking/real-mlflow';
import { Sandbox, ensureBuilt, keyValues } from './harness';

const SCRIPT = join(import.meta.dirname, 'fixtures', 'command-trial.py');

describe.runIf(REAL_MLFLOW_MODE === 'missing')('a command job on the real MLflow', () => {
  it('needs the real MLflow server', () => {
    throw new Error(REAL_MLFLOW_MISSING);
  });
});

describe.runIf(REAL_MLFLOW_MODE === 'run')('a command job on a local dojo with --tracking-uri at the real MLflow 2.11.3', () => {
  let mlflow: RealMlflow;
  let box: Sandbox;
  beforeAll(async () => {
    ensureBuilt();
    mlflow = await startRealMlflow();
    box = new Sandbox();
  }, 600_000);
  afterAll(async () => {
    await box?.dispose();
    await mlflow?.close();
  }, 180_000);

  it('runs a study of a stdlib-only Python command logging to MLflow over REST: right best trial, params and metrics in MLflow', async () => {
    const dojo = await box.ok(['init', '--tracking-uri', mlflow.url]);
    await box.ok(['activate', dojo]);
    const info = keyValues(await box.ok(['inspect', dojo]));
    const job = await box.ok(['job', 'create', '--dojo', dojo, '--command', `python3 ${SCRIPT}`]);
    const space = box.file('space.json', { x: { type: 'float', low: 0, high: 1 } });
    await box.ok(['hpo', 'enable', job, '--space', space, '--num-runs', '3', '--parallel', '2', '--sampler', 'random', '--seed', '11', '--metric', 'loss']);
    await box.ok(['job', 'start', job, '-e', 'CMD_MODE', 'mlflow']);
    await box.ok(['job', 'wait', job, '--interval', '300'], 300_000);

    const study = await new HpoClient(info.DOJO_HPO_URI!, { token: info.DOJO_TOKEN }).getStudy(job);
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete']);
    const loss = (x: unknown) => (Number(x) - 0.3) ** 2;
    const best = study.trials.reduce((a, b) => (loss(a.params.x) <= loss(b.params.x) ? a : b));
    expect(study.best).toMatchObject({ number: best.number, params: best.params });
    const t = new TrackingClient(mlflow.url);
    for (const trial of study.trials) {
      const run = await t.getRun(trial.runId!);
      expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'x', value: String(trial.params.x) }]));
      expect(run.info.status).toBe('FINISHED');
      const history = await t.getMetricHistory(trial.runId!, 'loss');
      expect(history.map((m) => m.step).sort()).toEqual([0, 1, 2]);
      expect(trial.value).toBeCloseTo(loss(trial.params.x), 12);
    }
  }, 600_000);
});
