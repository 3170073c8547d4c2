import { describe, expect, it } from 'vitest';
import { DojoError } from '../../../lib/errors';
import { checkStudySpec } from '../../../lib/hpo/spec';
import { jobStudySpec, startableHpo, startedRun, studyCreatedMessage } from '../../../lib/providers/jobs/start';
import type { DojoConfig, HpoSettings, JobRecord } from '../../../lib/providers/provider';

const hpo: HpoSettings = {
  space: { lr: { type: 'float', low: 1e-4, high: 0.1, log: true }, optimizer: { type: 'categorical', choices: ['Adam', 'SGD'] } },
  spaceFile: 's.json', numRuns: 6, parallel: 2, sampler: 'tpe', pruner: 'asha', metric: 'val_rmse', direction: 'minimize',
};
const job: JobRecord = { id: 'job-00000001', dojoId: 'dojo-00000001', image: '-', createdAt: '2026-01-01T00:00:00.000Z', status: 'created', hpo };
const cfg: DojoConfig = { id: 'dojo-00000001', provider: 'local', createdAt: '2026-01-01T00:00:00.000Z', managerInstanceType: 't3.xlarge', workerInstanceType: 't3.xlarge', maxWorkers: 4, spot: false };
const options = { replicas: 2, env: { DOJO_TRAIN_GLOB: '/t', DOJO_VAL_GLOB: '/v' } };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof DojoError ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
}

describe('job start, shared by the providers', () => {
  it('refuses a started job, a job without a space and more workers than the dojo allows', () => {
    expect(startableHpo(job, cfg, options)).toBe(hpo);
    expect(codeOf(() => startableHpo({ ...job, status: 'running' }, cfg, options))).toBe(
      'CONFLICT: job job-00000001 was started already (status running); create a new job with `dojo job create --dojo dojo-00000001`',
    );
    expect(codeOf(() => startableHpo({ ...job, hpo: undefined }, cfg, options))).toMatch(/^USAGE: job job-00000001 has no search space; run `dojo hpo enable job-00000001/);
    expect(codeOf(() => startableHpo(job, cfg, { ...options, replicas: 3 }))).toBe(
      "USAGE: --parallel 2 × --replicas 3 = 6 workers exceeds the dojo's --max-workers 4",
    );
  });

  it('asks for a study the HPO service accepts, with the seed only when one is set', () => {
    const spec = jobStudySpec(job.id, hpo);
    expect(spec).toMatchObject({ name: job.id, direction: 'minimize', sampler: { name: 'tpe' }, pruner: { name: 'asha' }, maxTrials: 6, metric: 'val_rmse' });
    expect(spec.sampler).not.toHaveProperty('seed');
    expect(checkStudySpec(spec).ok).toBe(true);
    const seeded = jobStudySpec(job.id, { ...hpo, seed: 7 });
    expect(seeded.sampler).toEqual({ name: 'tpe', seed: 7 });
    expect(checkStudySpec(seeded).ok).toBe(true);
  });

  it('records the run with a copy of the environment', () => {
    const before = Date.now();
    const run = startedRun(hpo, options, '12', 'run-abc');
    expect(run).toMatchObject({ replicas: 2, parallel: 2, env: options.env, studyId: '12', parentRunId: 'run-abc' });
    expect(run.env).not.toBe(options.env);
    expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(studyCreatedMessage('12', hpo, options)).toBe('study 12: 6 trials, 2 at a time, 2 replica(s) each');
  });
});
