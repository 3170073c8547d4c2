// Sample efficiency of the samplers through the HPO service's HTTP API (as workers use it):
// median regret (best found − optimum) over seeds after a budget of sequential trials, on Branin,
// Hartmann-6, Levy-10, a mixed space and a conditional MLP surrogate (issue 19, beside Optuna 5).
// Run: nice npx tsx bench/hpo/regret.ts [--trials 100] [--seeds 10] [--only levy10,mixed] [--samplers gp,auto]
// Progress goes to stderr, the table to stdout.
import { HpoClient } from '../../lib/hpo';
import { startHpoService } from '../../lib/hpo/service';
import { branin, conditionalMlp, hartmann6, levy10, median, mixed, type Objective } from '../../testkit/hpo/objectives';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const trials = Number(arg('--trials', '100'));
const seeds = Number(arg('--seeds', '10'));
const only = arg('--only', '').split(',').filter(Boolean);
const samplers = arg('--samplers', 'random,tpe,gp,auto').split(',').filter(Boolean) as ('random' | 'tpe' | 'gp' | 'auto')[];
const objectives = [branin, hartmann6, levy10, mixed, conditionalMlp].filter((o) => only.length === 0 || only.includes(o.name));

const svc = await startHpoService({ dbFile: ':memory:' });
const client = new HpoClient(svc.url);

/** One study: sequential ask/tell over HTTP; returns the regret after `trials` trials and the mean ask time. */
async function run(obj: Objective, sampler: (typeof samplers)[number], seed: number): Promise<{ regret: number; askMs: number; choice?: string }> {
  const name = `${obj.name}-${sampler}-${seed}`;
  const info = await client.createStudy({ name, direction: 'minimize', space: obj.space, sampler: { name: sampler, seed }, maxTrials: trials });
  let best = Infinity;
  let askMs = 0;
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    const t = (await client.ask(name))!;
    askMs += performance.now() - t0;
    const v = obj.f(t.params);
    best = Math.min(best, v);
    await client.tell(name, t.number, 'complete', v);
  }
  return { regret: best - obj.optimum, askMs: askMs / trials, choice: info.samplerChoice?.name };
}

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e4 ? x.toExponential(2) : x.toPrecision(3));
console.log(`median regret (best - optimum) over ${seeds} seeds after ${trials} trials, through the HTTP API; mean ask ms in brackets`);
console.log(['objective'.padEnd(10), ...samplers.map((s) => s.padStart(20))].join(' '));
const started = performance.now();
for (const obj of objectives) {
  const cells: string[] = [];
  for (const sampler of samplers) {
    const regrets: number[] = [];
    const ask: number[] = [];
    let choice: string | undefined;
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await run(obj, sampler, seed);
      regrets.push(r.regret);
      ask.push(r.askMs);
      choice = r.choice;
      process.stderr.write(`${obj.name} ${sampler} seed ${seed}: regret ${fmt(r.regret)}, ask ${r.askMs.toFixed(1)} ms (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
    cells.push(`${fmt(median(regrets))} [${median(ask).toFixed(1)}]${choice ? `=${choice}` : ''}`.padStart(20));
  }
  console.log([obj.name.padEnd(10), ...cells].join(' '));
}
await svc.close();
