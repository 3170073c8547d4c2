// KEY=VALUE output is safe `eval` input: hostile values go through a real shell (sh and bash), nothing
// runs and every value reads back exactly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDojoInfo } from '../../lib/cli/commands/inspect/format';
import { formatJobInfo } from '../../lib/cli/commands/job-inspect/format';
import { shellAssignment } from '../../lib/cli/shell';
import type { DojoInfo, JobProgress } from '../../lib/providers/provider';

const cwd = mkdtempSync(join(tmpdir(), 'dojo-eval-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Evals the lines in `shell` (in an empty folder) and returns the named variables' values. */
function evalIn(shell: string, lines: readonly string[], names: readonly string[]): string[] {
  const script = `eval "$(cat <<'DOJO_EOF'\n${lines.join('\n')}\nDOJO_EOF\n)"\n` + names.map((n) => `printf '%s\\0' "$${n}"`).join('\n');
  const out = execFileSync(shell, ['-c', script], { cwd, encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const HOSTILE = [
  'a b',
  'dojo-1 (not deployed; `dojo activate dojo-1` deploys it)',
  '$(touch made-by-dollar-paren)',
  '`touch made-by-backtick`',
  'x;touch made-by-semicolon',
  "it's",
  `"double" and 'single'`,
  "'; touch made-by-quote; echo '",
  '$HOME ${PATH} $1',
  'a\nb\ttab',
  '*',
  '~',
  '',
  'a b;touch x;$(touch y).json',
  '{"optimizer":"Adam\'s","lr":0.1}',
  'back\\slash\\',
];

describe('KEY=VALUE lines are safe eval input', () => {
  for (const shell of ['sh', 'bash']) {
    it(`${shell}: hostile values run nothing and round-trip`, () => {
      const lines = HOSTILE.map((v, i) => shellAssignment(`V${i}`, v));
      expect(evalIn(shell, lines, HOSTILE.map((_, i) => `V${i}`))).toEqual(HOSTILE);
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  it('any string without NUL round-trips through bash', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\0/g, '')), { minLength: 1, maxLength: 20 }), (values) => {
        const lines = values.map((v, i) => shellAssignment(`V${i}`, v));
        expect(evalIn('bash', lines, values.map((_, i) => `V${i}`))).toEqual(values);
      }),
      { numRuns: 20 },
    );
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('plain values stay unquoted, keys must be shell names', () => {
    expect(shellAssignment('DOJO_TRACKING_URI', 'http://127.0.0.1:5000')).toBe('DOJO_TRACKING_URI=http://127.0.0.1:5000');
    expect(shellAssignment('X', undefined)).toBe('X=');
    expect(() => shellAssignment('A B', 'x')).toThrow(/not a shell variable name/);
  });

  it('dojo inspect: an AWS-style value with spaces, parentheses and backticks evals to itself', () => {
    const info: DojoInfo = {
      id: 'dojo-00000001', provider: 'aws', status: 'inactive', workers: 0, costPerHour: 0, createdAt: 'c', warnings: [],
      extra: { DOJO_STACK: HOSTILE[1]!, DOJO_UI: 'dojo ui dojo-1  (SSM port forwarding to 5001, then http://localhost:5001)', DOJO_X: HOSTILE[2]! },
    };
    const [stack, ui, x, mgr] = evalIn('sh', formatDojoInfo(info), ['DOJO_STACK', 'DOJO_UI', 'DOJO_X', 'DOJO_MANAGER_IP']);
    expect([stack, ui, x, mgr]).toEqual([info.extra!.DOJO_STACK, info.extra!.DOJO_UI, HOSTILE[2], '']);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('dojo job inspect: a hostile space file name and best params keep their quotes', () => {
    const params = { optimizer: "Adam'; touch made-by-param; '", note: '$(touch made-by-param2)' };
    const p: JobProgress = {
      jobId: 'job-1', status: 'running', total: 10, complete: 3, running: 2, pruned: 1, failed: 0,
      best: { number: 2, value: 4.5, params }, elapsedSec: 65, etaSec: 5, workersAlive: 2, metric: 'val_rmse',
    };
    const space = '/tmp/a b;touch x;$(touch y).json';
    const lines = formatJobInfo({
      id: 'job-1', dojoId: 'dojo-1', image: 'bundled', createdAt: 'c', status: 'running', progress: p,
      hpo: { space: {}, spaceFile: space, numRuns: 10, parallel: 2, sampler: 'tpe', pruner: 'median', metric: 'val_rmse', direction: 'minimize' },
    });
    const [file, best] = evalIn('bash', lines, ['JOB_HPO_SPACE', 'JOB_BEST_PARAMS']);
    expect(file).toBe(space);
    expect(JSON.parse(best!)).toEqual(params);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
