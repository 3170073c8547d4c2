// MLflow Project entry points as command jobs: placeholders filled as `mlflow run -P k=v
// --env-manager local` would (types, defaults, shell quoting), refusals with the file and field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DojoError } from '../../lib/errors';
import { checkProjectSpace, fillCommand, projectEntry, shellQuote } from '../../lib/jobs/project';

const dir = mkdtempSync(join(tmpdir(), 'dojo-project-'));
writeFileSync(join(dir, 'data.csv'), 'a\n');
const doc = {
  name: 'fare',
  python_env: 'python_env.yaml',
  entry_points: {
    main: {
      parameters: { lr: { type: 'float', default: 0.01 }, layers: 'float', data: { type: 'path', default: 'data.csv' }, name: { type: 'string', default: "it's" } },
      command: 'python train.py --lr {lr} --layers {layers} --data {data} --name {name}',
    },
  },
};

function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DojoError && e.exitCode === 2) return e.message;
    throw e;
  }
  throw new Error('expected a usage error');
}

describe('MLproject entry points', () => {
  it('fills placeholders from the trial with defaults, absolute paths and shell quoting; notes the unmanaged environment once', () => {
    const read = projectEntry(doc, 'MLproject', dir, 'main');
    expect(read.notes).toEqual([`MLproject: python_env is not managed by a local dojo: the command runs with the Python on PATH in ${dir}`]);
    expect(fillCommand(read.job, { layers: 3 })).toBe(`python train.py --lr 0.01 --layers 3 --data ${join(dir, 'data.csv')} --name 'it'"'"'s'`);
    expect(fillCommand(read.job, { lr: 0.5, layers: 2, name: 'a b' })).toContain("--lr 0.5 --layers 2 --data");
  });

  it('refuses what mlflow run refuses: a missing value, a non-number float, a missing path, an unknown entry point or placeholder', () => {
    const { job } = projectEntry(doc, 'MLproject', dir, 'main');
    expect(usage(() => fillCommand(job, {}))).toBe('MLproject entry point main: no value for parameter layers (no default, and the search space has none)');
    expect(usage(() => fillCommand(job, { layers: 'many' }))).toBe('MLproject parameter layers: type float, got "many"');
    expect(usage(() => fillCommand(job, { layers: 1, data: 'nope.csv' }))).toBe('MLproject parameter data: got value nope.csv, but no such file or directory was found');
    expect(usage(() => projectEntry(doc, 'MLproject', dir, 'train'))).toBe('--entry-point train: MLproject has no such entry point (it has: main)');
    expect(usage(() => projectEntry({ entry_points: { main: { command: 'x {y}' } } }, 'MLproject', dir, 'main'))).toBe('MLproject: entry_points.main.command: {y} is not a declared parameter');
    expect(usage(() => projectEntry({ entry_points: { main: { command: 'x', parameters: { a: 'int' } } } }, 'MLproject', dir, 'main'))).toBe(
      'MLproject: entry_points.main.parameters.a: type must be one of string, float, path, uri, got "int"',
    );
  });

  it('refuses a search space key the entry point does not declare', () => {
    const { job } = projectEntry(doc, 'MLproject', dir, 'main');
    expect(() => checkProjectSpace(job.project!, { lr: {}, layers: {} }, 'space.json')).not.toThrow();
    expect(usage(() => checkProjectSpace(job.project!, { lr: {}, momentum: {} }, 'space.json'))).toBe(
      'space.json: momentum: the MLproject entry point main declares no such parameter (it declares: lr, layers, data, name)',
    );
  });

  it('quotes as shlex.quote does', () => {
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a-b_c.d/e:f=1,2@%+')).toBe('a-b_c.d/e:f=1,2@%+');
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });
});
