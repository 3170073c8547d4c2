// The command job's replica environment (README "Command jobs"): every name of the contract, the
// book's aliases, the data globs under both names, and what -e may not set on a command job.
import { describe, expect, it } from 'vitest';
import { normalizeJobEnv } from '../../lib/jobs/env';
import { replicaEnv } from '../../lib/jobs/replica-env';
import { DojoError } from '../../lib/errors';

const trial = {
  jobId: 'job-1', studyId: '7', number: 3, params: { lr: 0.01, layers: 2 }, metric: 'val_rmse', resultFile: '/r/trial-3.jsonl',
  trackingUri: 'http://127.0.0.1:5000', experimentId: '4', runId: 'abc', trackingToken: 'tok',
};
const place = { rank: 1, worldSize: 2, localRank: 1, localWorldSize: 2, masterAddr: '10.0.0.5', masterPort: 29500 };

function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DojoError && e.exitCode === 2) return e.message;
    throw e;
  }
  throw new Error('expected a usage error');
}

describe('replicaEnv', () => {
  it('gives every variable of the contract over the user environment', () => {
    const env = replicaEnv({ DOJO_TRAIN_GLOB: '/d/train/*.csv', DOJO_VAL_GLOB: 's3://b/val/*.csv', MY_FLAG: 'x' }, trial, place);
    expect(env).toEqual({
      DOJO_TRAIN_GLOB: '/d/train/*.csv', KAEN_OSDS_TRAIN_GLOB: '/d/train/*.csv', DOJO_VAL_GLOB: 's3://b/val/*.csv', KAEN_OSDS_VAL_GLOB: 's3://b/val/*.csv', MY_FLAG: 'x',
      DOJO_TRIAL_PARAMS: '{"lr":0.01,"layers":2}', DOJO_TRIAL_NUMBER: '3', DOJO_STUDY: '7', DOJO_JOB_ID: 'job-1', DOJO_METRIC: 'val_rmse', DOJO_RESULT_FILE: '/r/trial-3.jsonl',
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000', MLFLOW_EXPERIMENT_ID: '4', MLFLOW_RUN_ID: 'abc', MLFLOW_TRACKING_TOKEN: 'tok',
      RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '10.0.0.5', MASTER_PORT: '29500',
      KAEN_RANK: '1', KAEN_WORLD_SIZE: '2', KAEN_JOB_MANAGER_IP: '10.0.0.5',
    });
  });

  it('leaves MLFLOW_TRACKING_TOKEN to the user for an external tracking server', () => {
    const { trackingToken: _, ...external } = trial;
    expect(replicaEnv({ MLFLOW_TRACKING_TOKEN: 'mine' }, external, place).MLFLOW_TRACKING_TOKEN).toBe('mine');
  });
});

describe('normalizeJobEnv of a command job', () => {
  it('needs no data globs, resolves the book\'s names and relative globs', () => {
    expect(normalizeJobEnv([], 'command')).toEqual({});
    expect(normalizeJobEnv([['KAEN_OSDS_TRAIN_GLOB', 'data/*.csv'], ['EPOCHS', '3']], 'command', '/w')).toEqual({ DOJO_TRAIN_GLOB: '/w/data/*.csv', EPOCHS: '3' });
  });

  it('refuses the names dojo sets for each replica and the built-in worker\'s settings', () => {
    for (const name of ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'DOJO_TRIAL_PARAMS', 'DOJO_RESULT_FILE', 'MLFLOW_RUN_ID', 'MLFLOW_TRACKING_URI', 'KAEN_RANK', 'DOJO_METRIC']) {
      expect(usage(() => normalizeJobEnv([[name, '1']], 'command'))).toMatch(new RegExp(`^-e ${name}: dojo sets \\S+ for each replica itself; remove it$`));
    }
    expect(usage(() => normalizeJobEnv([['MASTER_ADDR', 'h']], 'command'))).toBe('-e MASTER_ADDR: dojo sets DOJO_MASTER_ADDR for each replica itself; remove it');
    expect(usage(() => normalizeJobEnv([['DOJO_SHARD_SIZE', '9']], 'command'))).toBe('-e DOJO_SHARD_SIZE: a setting of the built-in worker, which a command job does not run; remove it');
    // The built-in kind still takes its settings.
    expect(normalizeJobEnv([['DOJO_TRAIN_GLOB', '/a'], ['DOJO_VAL_GLOB', '/b'], ['DOJO_SHARD_SIZE', '9']], 'builtin').DOJO_SHARD_SIZE).toBe('9');
  });
});
