import { describe, expect, it } from 'vitest';
import { parseMemorySize, usableMemory } from '../../../runtime/src/data/budget';
import { workerSettingsFromEnv } from '../../../runtime/src/worker';

describe('memory budgets', () => {
  it('read bytes, units and shares of the usable memory', () => {
    expect(parseMemorySize('1048576', 'x')).toBe(1048576);
    expect(parseMemorySize('512MB', 'x')).toBe(512e6);
    expect(parseMemorySize('2GiB', 'x')).toBe(2 * 1024 ** 3);
    expect(parseMemorySize('1.5g', 'x')).toBe(1.5e9);
    expect(parseMemorySize('0', 'x')).toBe(0);
    expect(parseMemorySize('25%', 'x', 8e9)).toBe(2e9);
    expect(usableMemory()).toBeGreaterThan(0);
  });

  it('refuse anything else with one line naming the setting', () => {
    expect(() => parseMemorySize('lots', 'worker: DOJO_DATA_MEMORY')).toThrow('worker: DOJO_DATA_MEMORY: "lots" is not a memory size; use bytes, a unit (512MB, 2GiB) or a share of memory (25%), 0 for none');
    expect(() => parseMemorySize('150%', 'x')).toThrow('"150%" is more than all of the memory');
    const env = { DOJO_HPO_URI: 'http://127.0.0.1:1', DOJO_STUDY: '1', DOJO_TRAIN_GLOB: '/t/*.csv', DOJO_VAL_GLOB: '/v/*.csv' };
    expect(workerSettingsFromEnv({ ...env, DOJO_DATA_MEMORY: '1GB' }).dataMemoryBytes).toBe(1e9);
    expect(workerSettingsFromEnv(env).dataMemoryBytes).toBeUndefined();
    expect(() => workerSettingsFromEnv({ ...env, DOJO_DATA_MEMORY: '-1' })).toThrow(/DOJO_DATA_MEMORY: "-1" is not a memory size/);
  });
});
