// Launch overhead of a command job on a local dojo (issue 14): for each trial, ask → the command's
// first output line (the driver's run lookup, a free port, the replica's spawn and `sh` start) and
// the command's exit → tell (its last look at the run and the result file, the tell). The command
// prints the time (ms) as its first and its last line; the HPO service's trial startedAt (set at
// ask) and endedAt (set at tell) close the intervals. Needs the built CLI (npm run build).
// Run: nice npx tsx bench/jobs/launch-overhead.ts [--trials 10]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HpoClient } from '../../lib/hpo/client';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const trials = Number(arg('--trials', '10'));
const home = mkdtempSync(join(tmpdir(), 'dojo-bench-launch-'));
const env = { ...process.env, DOJO_HOME: home };
const dojo = (...args: string[]) => execFileSync(process.execPath, [resolve('dist/bin/dojo.js'), ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const id = dojo('init');
try {
  dojo('activate', id);
  const info = Object.fromEntries(dojo('inspect', id).split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const command = `date +%s%3N; echo '{"value": 1}' >> "$DOJO_RESULT_FILE"; date +%s%3N`;
  const job = dojo('job', 'create', '--dojo', id, '--command', command);
  const space = join(home, 'space.json');
  writeFileSync(space, JSON.stringify({ x: { type: 'float', low: 0, high: 1 } }));
  dojo('hpo', 'enable', job, '--space', space, '--num-runs', String(trials), '--parallel', '1', '--metric', 'loss', '--sampler', 'random');
  dojo('job', 'start', job);
  dojo('job', 'wait', job, '--interval', '200');
  const study = await new HpoClient(info.DOJO_HPO_URI!, { token: info.DOJO_TOKEN }).getStudy(job);
  const logs = dojo('job', 'logs', job);
  const ask: number[] = [];
  const tell: number[] = [];
  for (const t of study.trials) {
    const times = [...logs.matchAll(new RegExp(`\\[trial ${t.number}\\] \\[rank 0\\] (\\d{13})$`, 'gm'))].map((m) => Number(m[1]));
    if (times.length !== 2 || t.endedAt === undefined) throw new Error(`trial ${t.number}: expected two time lines and an end, got ${times.length}`);
    ask.push(times[0]! - t.startedAt);
    tell.push(t.endedAt - times[1]!);
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `p50 ${s[Math.floor(s.length / 2)]} ms, min ${s[0]} ms, max ${s.at(-1)} ms`;
  };
  console.log(`command job launch overhead, ${trials} trials, 1 replica:`);
  console.log(`  ask → first output line: ${stats(ask)}`);
  console.log(`  exit → tell:             ${stats(tell)}`);
} finally {
  dojo('rm', id, '--yes');
  rmSync(home, { recursive: true, force: true });
}
