import { describe, expect, it } from 'vitest';
import { workerSettingsFromEnv } from '../../runtime/src/worker/env';

const base = { DOJO_HPO_URI: 'http://127.0.0.1:1', DOJO_STUDY: '3', DOJO_TRAIN_GLOB: '/t/*.csv', DOJO_VAL_GLOB: '/v/*.csv' };

describe('worker settings', () => {
  it('reads DOJO_* with defaults and the book\'s glob aliases', () => {
    const s = workerSettingsFromEnv({ DOJO_HPO_URI: 'http://h', DOJO_STUDY: '1', KAEN_OSDS_TRAIN_GLOB: '/a', KAEN_OSDS_VAL_GLOB: '/b', DOJO_REPLICAS: '2' });
    expect(s).toMatchObject({ trainGlob: '/a', valGlob: '/b', replicas: 2, metric: 'val_rmse', dtype: 'float64', onBadRow: 'fail', group: '0' });
  });

  it('names a missing or bad variable', () => {
    expect(() => workerSettingsFromEnv({ ...base, DOJO_STUDY: undefined })).toThrow('worker: DOJO_STUDY is not set');
    expect(() => workerSettingsFromEnv({ ...base, DOJO_REPLICAS: 'two' })).toThrow('DOJO_REPLICAS must be a whole number >= 1, got "two"');
    expect(() => workerSettingsFromEnv({ ...base, DOJO_DTYPE: 'float16' })).toThrow(/DOJO_DTYPE/);
  });
});
