import { describe, expect, it } from 'vitest';
import { normalizeJobEnv } from '../../lib/jobs/env';
import { envPairs } from '../../lib/cli/commands/job-start/env-pairs';

describe('job environment', () => {
  it('accepts the book\'s KAEN_OSDS_*_GLOB names as aliases and makes relative paths absolute', () => {
    const env = normalizeJobEnv(
      [['KAEN_OSDS_TRAIN_GLOB', 'data/train/part*.csv'], ['KAEN_OSDS_VAL_GLOB', 's3://b/val/part*.csv'], ['DOJO_TEST_GLOB', 'file:///t/*.csv'], ['EXTRA', '1']],
      'builtin',
      '/work',
    );
    expect(env).toEqual({ DOJO_TRAIN_GLOB: '/work/data/train/part*.csv', DOJO_VAL_GLOB: 's3://b/val/part*.csv', DOJO_TEST_GLOB: 'file:///t/*.csv', EXTRA: '1' });
  });

  it('requires the train and validation globs, naming both spellings', () => {
    expect(() => normalizeJobEnv([['DOJO_TRAIN_GLOB', '/a']])).toThrow('missing -e DOJO_VAL_GLOB GLOB (or the book\'s KAEN_OSDS_VAL_GLOB)');
  });

  it('refuses what dojo sets itself, bad names and contradictions', () => {
    const globs: [string, string][] = [['DOJO_TRAIN_GLOB', '/a'], ['DOJO_VAL_GLOB', '/b']];
    expect(() => normalizeJobEnv([...globs, ['DOJO_HPO_URI', 'x']])).toThrow(/dojo sets DOJO_HPO_URI/);
    expect(() => normalizeJobEnv([...globs, ['1BAD', 'x']])).toThrow(/-e 1BAD: not a valid/);
    expect(() => normalizeJobEnv([...globs, ['KAEN_OSDS_TRAIN_GLOB', '/c']])).toThrow(/given twice/);
  });

  it('pairs -e KEY VALUE and -e KEY=VALUE tokens', () => {
    expect(envPairs(['A', 'x=1', 'B=2', 'C', ''])).toEqual([['A', 'x=1'], ['B', '2'], ['C', '']]);
    expect(() => envPairs(['A'])).toThrow('-e A: missing the value (use -e A VALUE)');
    expect(() => envPairs(['s3://x'])).toThrow(/expected KEY VALUE or KEY=VALUE/);
  });
});
