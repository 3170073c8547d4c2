// Ask latency of the HPO service with a given number of completed trials: TPE (independent and
// multivariate) on Hartmann-6 at 100 and 1000, the GP on a 10-D space (Levy-10) at 100 and at
// auto's hand-over point, and tpe / gp / auto on the mixed space at 100.
// In process: the sampler's own cost per ask (engine.ask without the proposal thread), wall and
// CPU ms (process.cpuUsage; on a shared, loaded machine it says more than wall time).
// Over HTTP on loopback, the worker's real pattern: each trial's value is told and the next trial
// asked for at once — as a tell then an ask (two round trips), and as one tell-and-ask call —
// interleaved; the time is from the tell's start to the next trial's params in hand. The service
// computes heavy proposals (gp, auto's GP) on its proposal thread, starting after the tell.
// Third, what the built-in worker does: it announces its tell (ahead: true) as soon as the value is
// known, saves its model (a stand-in wait of --save-ms), then tell-and-asks; timed is that last call.
// Each measured trial is told "fail", so the model keeps exactly n complete trials.
// Run: nice npx tsx bench/hpo/ask-latency.ts [--asks 100] [--only "auto,tpe multivariate, mixed"] [--n 100]
import { HpoClient, type SearchSpace, type StudySpecInput } from '../../lib/hpo';
import { AUTO_GP_MAX_TRIALS } from '../../lib/hpo/samplers/auto';
import { HpoEngine, SqliteStore, startHpoService } from '../../lib/hpo/service';
import { hartmann6, levy10, mixed, type Objective } from '../../testkit/hpo/objectives';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const asks = Number(arg('--asks', '100'));
const only = arg('--only', '').split(',').filter(Boolean);
const nOnly = arg('--n', '').split(',').filter(Boolean).map(Number);
const saveMs = Number(arg('--save-ms', '50'));

interface Case {
  readonly label: string;
  readonly sampler: StudySpecInput['sampler'];
  readonly obj: Objective;
  readonly n: number;
}

const allCases: Case[] = [
  { label: 'tpe independent, hartmann6', sampler: { name: 'tpe', seed: 1, multivariate: false }, obj: hartmann6, n: 100 },
  { label: 'tpe multivariate, hartmann6', sampler: { name: 'tpe', seed: 1 }, obj: hartmann6, n: 100 },
  { label: 'tpe independent, hartmann6', sampler: { name: 'tpe', seed: 1, multivariate: false }, obj: hartmann6, n: 1000 },
  { label: 'tpe multivariate, hartmann6', sampler: { name: 'tpe', seed: 1 }, obj: hartmann6, n: 1000 },
  { label: 'gp, levy10 (10-D)', sampler: { name: 'gp', seed: 1 }, obj: levy10, n: 100 },
  { label: 'gp, levy10 (10-D)', sampler: { name: 'gp', seed: 1 }, obj: levy10, n: AUTO_GP_MAX_TRIALS },
  { label: 'tpe multivariate, mixed', sampler: { name: 'tpe', seed: 1 }, obj: mixed, n: 100 },
  { label: 'gp, mixed', sampler: { name: 'gp', seed: 1 }, obj: mixed, n: 100 },
  { label: 'auto (= gp), mixed', sampler: { name: 'auto', seed: 1 }, obj: mixed, n: 100 },
];
const cases = allCases.filter((c) => (only.length === 0 || only.some((o) => c.label.startsWith(o))) && (nOnly.length === 0 || nOnly.includes(c.n)));

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** The study spec of a case. */
function spec(c: Case, space: SearchSpace): StudySpecInput {
  return { name: 's', space, sampler: c.sampler };
}

for (const c of cases) {
  // In process, on this event loop: the sampler and one SQLite insert per ask.
  const engine = new HpoEngine(new SqliteStore(':memory:'), { proposalThread: false });
  await engine.createStudy(spec(c, c.obj.space));
  for (let i = 0; i < c.n; i++) {
    const t = await engine.ask('s');
    await engine.tell('s', t.number, 'complete', c.obj.f(t.params));
  }
  const inproc: number[] = [];
  const cpuEach: number[] = [];
  for (let i = 0; i < asks; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const t = await engine.ask('s');
    inproc.push(performance.now() - t0);
    cpuEach.push(process.cpuUsage(c0).user / 1e3);
    await engine.tell('s', t.number, 'fail');
  }
  const cpuMs = cpuEach.reduce((a, b) => a + b, 0) / asks;
  // Over HTTP: the same history replayed into a service as enqueued trials (quicker than asking
  // again; the GP then has no stored fit for its first measured ask, which does a full fit).
  const trials = engine.getStudy('s').trials.filter((t) => t.state === 'complete');
  await engine.close();
  const svc = await startHpoService({ dbFile: ':memory:' });
  const client = new HpoClient(svc.url);
  await client.createStudy({ ...spec(c, c.obj.space), enqueue: trials.map((t) => t.params) });
  for (let i = 0; i < trials.length; i++) {
    const t = (await client.ask('s'))!;
    await client.tell('s', t.number, 'complete', trials[i]!.value!);
  }
  // One warm-up round, so that the proposal thread has started before the measured ones.
  let held = (await client.tellAndAsk('s', (await client.ask('s'))!.number, 'fail'))!;
  const tellThenAsk: number[] = [];
  const tellAndAsk: number[] = [];
  const afterSave: number[] = [];
  for (let i = 0; i < 3 * asks; i++) {
    if (i % 3 === 2) {
      await client.tellAhead('s', held.number, 'fail');
      await new Promise((r) => setTimeout(r, saveMs));
    }
    const t0 = performance.now();
    if (i % 3 === 0) {
      await client.tell('s', held.number, 'fail');
      held = (await client.ask('s'))!;
      tellThenAsk.push(performance.now() - t0);
    } else {
      held = (await client.tellAndAsk('s', held.number, 'fail'))!;
      (i % 3 === 1 ? tellAndAsk : afterSave).push(performance.now() - t0);
    }
  }
  await svc.close();
  const ms = (xs: number[]) => `p50 ${pct(xs, 0.5).toFixed(2)} ms p99 ${pct(xs, 0.99).toFixed(2)} ms`;
  console.log(
    `${`${c.label} @${c.n} complete`.padEnd(40)} in process ${ms(inproc)} (cpu mean ${cpuMs.toFixed(1)} ms/ask, p50 ${pct(cpuEach, 0.5).toFixed(1)} ms) | HTTP tell then ask ${ms(tellThenAsk)} | tell-and-ask ${ms(tellAndAsk)} | announced, ${saveMs} ms save, tell-and-ask ${ms(afterSave)}`,
  );
}
