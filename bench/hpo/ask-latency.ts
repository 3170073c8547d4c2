// Ask latency of the HPO service with a given number of completed trials: TPE (independent and
// multivariate) on Hartmann-6 at 100 and 1000, the GP on a 10-D space (Levy-10) at 100 and at
// auto's hand-over point, and tpe / gp / auto on the mixed space at 100. In process (engine.ask)
// and over HTTP on loopback (POST .../ask). Each measured ask is told "fail", so the model keeps
// exactly n complete trials. CPU ms per ask (process.cpuUsage) is printed too: on a shared,
// loaded machine it says more than wall time.
// "Ahead" times an ask made after the event loop has turned once since the tell: gp and auto
// then serve the proposal their prefetch computed (the same one a cold ask computes).
// Run: nice npx tsx bench/hpo/ask-latency.ts [--asks 100] [--only gp,auto] [--n 100]
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
  // In process: the sampler and one SQLite insert per ask.
  const engine = new HpoEngine(new SqliteStore(':memory:'));
  await engine.createStudy(spec(c, c.obj.space));
  for (let i = 0; i < c.n; i++) {
    const t = await engine.ask('s');
    await engine.tell('s', t.number, 'complete', c.obj.f(t.params));
  }
  // Cold: each ask right after the previous tell, so the sampler computes it on the request path.
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
  // Ahead: between the tell and the next ask the event loop turns once (as it does many times
  // while a worker trains), so a sampler that prefetches (gp, auto) has the proposal ready.
  const ahead: number[] = [];
  let aheadCpu = 0;
  for (let i = 0; i < asks; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const t = await engine.ask('s');
    ahead.push(performance.now() - t0);
    aheadCpu += process.cpuUsage(c0).user / 1e3;
    await engine.tell('s', t.number, 'fail');
    await new Promise((r) => setImmediate(r));
  }
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
  // The service shares this process, so a prefetch runs before the tell's response is read:
  // the tell's round trip carries it here (a real worker is another process and trains meanwhile).
  const http: number[] = [];
  const tells: number[] = [];
  for (let i = 0; i < asks; i++) {
    const t0 = performance.now();
    const t = (await client.ask('s'))!;
    const t1 = performance.now();
    http.push(t1 - t0);
    await client.tell('s', t.number, 'fail');
    tells.push(performance.now() - t1);
  }
  await svc.close();
  console.log(
    `${`${c.label} @${c.n} complete`.padEnd(40)} in-process cold p50 ${pct(inproc, 0.5).toFixed(2)} ms p99 ${pct(inproc, 0.99).toFixed(2)} ms (cpu mean ${cpuMs.toFixed(1)} ms/ask, p50 ${pct(cpuEach, 0.5).toFixed(1)} ms), ahead p50 ${pct(ahead, 0.5).toFixed(2)} ms p99 ${pct(ahead, 0.99).toFixed(2)} ms (cpu ${(aheadCpu / asks).toFixed(2)} ms/ask) | HTTP ask p50 ${pct(http, 0.5).toFixed(2)} ms p99 ${pct(http, 0.99).toFixed(2)} ms, tell p50 ${pct(tells, 0.5).toFixed(2)} ms`,
  );
}
