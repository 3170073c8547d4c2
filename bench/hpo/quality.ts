// Median best value (over seeds) after a budget of sequential in-process trials, for random,
// TPE independent and TPE multivariate (the default), on standard and mixed objectives.
// Run: npx tsx bench/hpo/quality.ts [--budget 100] [--seeds 10] [--only name,name]
import { RandomSampler } from '../../lib/hpo/samplers/random';
import { TpeSampler, type TpeOptions } from '../../lib/hpo/samplers/tpe/sampler';
import type { SearchSpace } from '../../lib/hpo/space';
import type { Sampler } from '../../lib/hpo/types';
import { branin, hartmann6, median, mixed, optimize, type Objective } from '../../testkit/hpo/objectives';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const budget = Number(arg('--budget', '100'));
const seeds = Number(arg('--seeds', '10'));
const only = arg('--only', '').split(',').filter(Boolean);
const extra = JSON.parse(arg('--tpe', '{}')) as TpeOptions;

function box(d: number, low: number, high: number): SearchSpace {
  return Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, { type: 'float', low, high }]));
}
const xs = (p: Record<string, unknown>, d: number) => Array.from({ length: d }, (_, i) => p[`x${i}`] as number);

const objectives: Objective[] = [
  branin,
  hartmann6,
  mixed,
  { name: 'sphere8', space: box(8, -5, 5), optimum: 0, f: (p) => xs(p, 8).reduce((a, x) => a + x * x, 0) },
  { name: 'rosenbrock4', space: box(4, -2, 2), optimum: 0, f: (p) => { const x = xs(p, 4); let s = 0; for (let i = 0; i < 3; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2; return s; } },
  { name: 'ackley5', space: box(5, -32.768, 32.768), optimum: 0, f: (p) => { const x = xs(p, 5); const a = x.reduce((s, v) => s + v * v, 0) / 5; const b = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / 5; return -20 * Math.exp(-0.2 * Math.sqrt(a)) - Math.exp(b) + 20 + Math.E; } },
  { name: 'rastrigin4', space: box(4, -5.12, 5.12), optimum: 0, f: (p) => xs(p, 4).reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v) + 10, 0) },
  { name: 'styblinski5', space: box(5, -5, 5), optimum: -39.16617 * 5, f: (p) => xs(p, 5).reduce((s, v) => s + (v ** 4 - 16 * v * v + 5 * v) / 2, 0) },
  {
    name: 'int-cat',
    space: { a: { type: 'int', low: -10, high: 10 }, b: { type: 'int', low: 1, high: 1000, log: true }, c: { type: 'categorical', choices: ['p', 'q', 'r', 's', 't'] }, d: { type: 'float', low: 0, high: 1, step: 0.05 } },
    optimum: 0,
    f: (p) => Math.abs((p.a as number) - 3) + Math.abs(Math.log10(p.b as number) - 2) + ({ p: 1, q: 0.5, r: 0, s: 0.7, t: 2 } as Record<string, number>)[p.c as string]! + Math.abs((p.d as number) - 0.35),
  },
];

const samplers: [string, () => Sampler][] = [
  ['random', () => new RandomSampler()],
  ['tpe-independent', () => new TpeSampler({ multivariate: false })],
  ['tpe-multivariate', () => new TpeSampler({ multivariate: true, ...extra })],
];

console.log(`budget ${budget}, ${seeds} seeds, median best (lower is better)`);
console.log(['objective'.padEnd(12), ...samplers.map(([n]) => n.padStart(17))].join(' '));
for (const obj of objectives) {
  if (only.length && !only.includes(obj.name)) continue;
  const cells = samplers.map(([, make]) => median(Array.from({ length: seeds }, (_, s) => optimize(make(), obj, budget, s + 1))));
  console.log([obj.name.padEnd(12), ...cells.map((c) => c.toFixed(4).padStart(17))].join(' '));
}
