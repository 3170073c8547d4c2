// The demo's study (its space, 20 trials, TPE + median pruner, 2 workers, 1,000,000 training and
// 200,000 validation rows) run by today's code and by the code of an earlier commit in one
// invocation, interleaved (base, new, new, base, ...), so both see the same machine load. Prints
// each run's wall time (worker spawn to exit) and, summed over its trials, the seconds in compute,
// reading/parsing/preparing data, evaluation, HPO/tracking calls and the rest; then the medians,
// the speed-up and compute's share of the time inside trials.
// Run: npx tsx bench/study/run.ts [--base 2b9965f] [--repeats 3] [--rows 1000000] [--trials 20] [--parallel 2] [--only new|base] [--logs DIR] [--prof DIR]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { demoSpace } from '../../lib/cli/commands/demo/space';
import { synthesize } from '../../runtime/src/data';
import { runSide, type SideResult } from './side';
import { baseTree, newTree } from './trees';

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

/** The commit before issue 20's first change: the "today's code" of the issue. */
const BASE = flag('--base', '2b9965f');
const repeats = Number(flag('--repeats', '3'));
const rows = Number(flag('--rows', '1000000'));
const trials = Number(flag('--trials', '20'));
const parallel = Number(flag('--parallel', '2'));
const only = flag('--only', '');
const logDir = flag('--logs', '') || undefined;
const profDir = flag('--prof', '') || undefined;
const seed = 12;
const log = (l: string): void => console.error(l);
const loadNow = (): string => execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ')[0]!;
const load = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/.*load average/, 'load average');

const root = resolve(import.meta.dirname, '../..');
if (logDir) mkdirSync(logDir, { recursive: true });
if (profDir) mkdirSync(profDir, { recursive: true });
const base = baseTree(root, BASE, log);
const next = newTree(root, log);
const data = mkdtempSync(join(tmpdir(), 'dojo-study-data-'));
try {
  log(`synthesizing ${rows} training and ${rows / 5} validation rows (the demo's data, seed ${seed})`);
  await synthesize({ rows, parts: 4, out: join(data, 'train'), seed });
  await synthesize({ rows: Math.round(rows / 5), parts: 1, out: join(data, 'val'), seed: seed + 1 });
  const setup = { space: demoSpace(rows), trials, parallel, seed, trainGlob: join(data, 'train', 'part-*.csv'), valGlob: join(data, 'val', 'part-*.csv') };
  console.log(`study bench: ${trials} trials, ${parallel} workers, ${rows} rows; base ${base.commit} vs new ${next.commit}; ${load()}`);
  console.log('run  tree  commit        wall s  trials (c/p)  compute   data    eval  hpo+trk  other  in-trial  compute share  best    worker cpu  server cpu  load');
  const results: SideResult[] = [];
  for (let r = 0; r < repeats; r++) {
    for (const tree of (r % 2 === 0 ? [base, next] : [next, base]).filter((t) => !only || t.label === only)) {
      const s = await runSide(tree, setup, `bench-${tree.label}-${r}`, logDir, profDir);
      results.push(s);
      const p = s.parts;
      console.log(
        `${String(r + 1).padEnd(4)} ${tree.label.padEnd(5)} ${tree.commit.padEnd(12)} ${s.wall.toFixed(2).padStart(7)}  ${`${s.trials} (${s.complete}/${s.pruned})`.padEnd(12)} ` +
          `${[p.compute, p.data, p.eval, p.calls, p.other, p.trial].map((v) => v.toFixed(2).padStart(7)).join(' ')}  ${`${((100 * p.compute) / p.trial).toFixed(0)}%`.padStart(12)}  ${s.best?.toFixed(4) ?? '-'}` +
          `  ${s.cpu.workers.toFixed(2).padStart(10)}  ${s.cpu.servers.toFixed(2).padStart(10)}  ${loadNow()}`,
      );
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const of = (label: string) => results.filter((s) => s.tree.label === label);
  if (only) process.exit(0);
  const wb = median(of('base').map((s) => s.wall));
  const wn = median(of('new').map((s) => s.wall));
  const share = median(of('new').map((s) => s.parts.compute / s.parts.trial));
  const cb = median(of('base').map((s) => s.cpu.workers + s.cpu.servers));
  const cn = median(of('new').map((s) => s.cpu.workers + s.cpu.servers));
  console.log(`median wall: base ${wb.toFixed(2)} s, new ${wn.toFixed(2)} s → ${(wb / wn).toFixed(2)}× faster; new: compute ${(100 * share).toFixed(0)}% of the time inside trials; ${load()}`);
  console.log(`median CPU seconds (workers + servers): base ${cb.toFixed(2)}, new ${cn.toFixed(2)} → ${(cb / cn).toFixed(2)}× less`);
} finally {
  rmSync(data, { recursive: true, force: true });
}
