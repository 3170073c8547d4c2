// The GP sampler's median regret with given options, in process: the proposals are those the
// HPO service makes through its HTTP API for the same seed (regret.ts), without the HTTP and
// SQLite round trips, so options can be compared quickly (how the defaults were chosen).
// Run: nice -n 10 npx tsx bench/hpo/gp-tune.ts OBJECTIVE ['{"nCandidates":2048,"acquisition":{"nLocal":10},"fit":{"minNoise":1e-8}}'] [--seeds 1-10] [--trials 100]
// Progress goes to stderr, one result line to stdout.
import type { GpOptions } from '../../lib/hpo/samplers/gp/sampler';
import { GpSampler } from '../../lib/hpo/samplers/gp/sampler';
import { branin, hartmann6, levy10, median, mixed, optimize } from '../../testkit/hpo/objectives';

const USAGE = 'usage: gp-tune.ts branin|hartmann6|levy10|mixed [GP_OPTIONS_JSON] [--seeds A-B] [--trials N]';
const objectives = { branin, hartmann6, levy10, mixed };
const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const fail = (why: string): never => {
  console.error(`gp-tune: ${why}\n${USAGE}`);
  process.exit(2);
};
const flag = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  if (v === undefined) fail(`${name} needs a value`);
  argv.splice(i, 2);
  return v!;
};
const seedsArg = flag('--seeds', '1-10');
const trials = Number(flag('--trials', '100'));
const m = /^(\d+)-(\d+)$/.exec(seedsArg);
if (!m || Number(m[1]) > Number(m[2])) fail(`--seeds ${seedsArg}: give a range such as 1-10`);
if (!Number.isInteger(trials) || trials < 1) fail(`--trials: a positive integer, not ${trials}`);
const obj = objectives[argv[0] as keyof typeof objectives] ?? fail(`objective: one of ${Object.keys(objectives).join(', ')}, not ${argv[0] ?? 'nothing'}`);
let opts: GpOptions = {};
try {
  opts = JSON.parse(argv[1] ?? '{}') as GpOptions;
} catch (e) {
  fail(`GP_OPTIONS_JSON: ${(e as Error).message}`);
}

const regrets: number[] = [];
const cpu0 = process.cpuUsage();
for (let seed = Number(m![1]); seed <= Number(m![2]); seed++) {
  const r = optimize(new GpSampler(seed, opts), obj, trials, seed) - obj.optimum;
  regrets.push(r);
  process.stderr.write(`${obj.name} seed ${seed}: regret ${r.toExponential(2)}\n`);
}
const cpu = process.cpuUsage(cpu0).user / 1e3 / regrets.length / trials;
console.log(`${obj.name} ${JSON.stringify(opts)} median ${median(regrets).toExponential(3)} [${regrets.map((r) => r.toExponential(1)).join(' ')}] cpu/ask ${cpu.toFixed(1)} ms`);
