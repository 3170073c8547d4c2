import { describe, expect, it } from 'vitest';
import { countTrials, progressOf } from '../../../lib/providers/jobs/progress';
import type { JobRecord } from '../../../lib/providers/provider';

const job = (numRuns: number): JobRecord => ({
  id: 'job-00000001', dojoId: 'dojo-00000001', image: 'bundled', createdAt: '2026-01-01T00:00:00.000Z', status: 'running',
  hpo: { space: {}, spaceFile: 's.json', numRuns, parallel: 2, sampler: 'tpe', pruner: 'median', metric: 'val_rmse', direction: 'minimize' },
  run: { startedAt: '2026-01-01T00:00:00.000Z', replicas: 1, parallel: 2, env: {}, studyId: '1' },
});
const t0 = Date.parse('2026-01-01T00:00:00.000Z');

describe('progress', () => {
  it('counts trial states and estimates the time left from the finished trials', () => {
    const study = { trials: [
      { number: 0, state: 'complete', value: 3 }, { number: 1, state: 'pruned' }, { number: 2, state: 'running' }, { number: 3, state: 'failed' },
    ], best: { number: 0, value: 3, params: { lr: 0.01 } } };
    expect(countTrials(study)).toEqual({ complete: 1, running: 1, pruned: 1, failed: 1 });
    const p = progressOf(job(6), study, 2, t0 + 30_000);
    expect(p.status).toBe('running');
    expect(p.elapsedSec).toBe(30);
    expect(p.etaSec).toBe(30); // 3 finished in 30 s, 3 left
    expect(p.best?.number).toBe(0);
  });

  it('is completed when numRuns trials ended (failed ones count), failed when all failed or the workers are gone before', () => {
    const done = { trials: [{ number: 0, state: 'complete', value: 1 }, { number: 1, state: 'failed' }, { number: 2, state: 'pruned' }] };
    expect(progressOf(job(3), done, 1).status).toBe('completed');
    expect(progressOf(job(4), done, 1).status).toBe('running');
    expect(progressOf(job(4), done, 0).status).toBe('failed');
    expect(progressOf(job(1), { trials: [{ number: 0, state: 'failed' }] }, 0).status).toBe('failed');
  });
});
