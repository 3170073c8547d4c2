import { describe, expect, it } from 'vitest';
import { USER_WORKER_SETTINGS, WORKER_ENV_SET_BY_DOJO, workerSettingsFromEnv } from '../../runtime/src/worker/env';

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

  it('the settings job start --help lists are exactly the ones the worker reads (besides those dojo sets and the book aliases)', () => {
    const read = new Set<string>();
    const env = new Proxy({ ...base } as NodeJS.ProcessEnv, {
      get(target, key) {
        if (typeof key === 'string') read.add(key);
        return target[key as string];
      },
    });
    workerSettingsFromEnv(env);
    const user = [...read].filter((k) => !WORKER_ENV_SET_BY_DOJO.includes(k) && !k.startsWith('KAEN_')).sort();
    expect(user).toEqual(USER_WORKER_SETTINGS.map((s) => s.key).sort());
  });
});
