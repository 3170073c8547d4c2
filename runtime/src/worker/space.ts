// Checks a study's search space against the built-in worker's hyperparameters when the study is
// made (`dojo hpo enable`, `dojo job start`): every bound and choice a trial could be handed goes
// through the same mapping and validation a worker applies to a trial's params (trialHParams, then
// parseHParams), so a space a trial would refuse is refused before any worker starts, naming the
// key and the value, instead of failing one trial after another.
import { DojoError } from '../../../lib/errors';
import type { ParamSpec } from '../../../lib/hpo/api';
import { parseHParams } from '../model/hparams';
import { trialHParams, trialParamRole } from './hparams';

/** One value a parameter can take, and where it comes from in the space. */
interface Candidate {
  readonly value: unknown;
  readonly where: string;
}

// Int ranges up to this many values are tried whole (bins 0..128 hides a refused 1); longer ones
// by their first two and last two values.
const WHOLE_RANGE = 1024;

function candidates(p: ParamSpec): Candidate[] {
  if (p.type === 'categorical') return p.choices.map((value, i) => ({ value, where: `choices[${i}]` }));
  const out: Candidate[] = [
    { value: p.low, where: 'low' },
    { value: p.high, where: 'high' },
  ];
  if (p.type === 'int') {
    const step = p.step ?? 1;
    const n = Math.floor((p.high - p.low) / step) + 1;
    const inner = n <= WHOLE_RANGE ? Array.from({ length: Math.max(0, n - 2) }, (_, i) => p.low + (i + 1) * step) : [p.low + step, p.high - step];
    for (const value of inner) out.push({ value, where: `a value of low..high` });
  } else if (p.step === undefined && p.high > p.low) {
    // A float without a step takes fractional values: an integer hyperparameter refuses them.
    out.push({ value: p.low + (p.high - p.low) / Math.PI, where: 'a value between low and high' });
  } else if (p.step !== undefined && p.high > p.low) {
    out.push({ value: p.low + p.step, where: 'low + step' });
  }
  return out;
}

// The other layer keys a layer key needs to make a whole trial (so a refusal is the key's own).
function companions(key: string): Record<string, number> {
  const role = trialParamRole(key);
  if (role === 'layers') return { neurons: 1 };
  if (role === 'width') return { layers: 1 };
  if (role === 'layer-width') return { layers: Number(/\d+$/.exec(key)![0]) + 1, neurons: 1 };
  return {};
}

function isParamSpec(v: unknown): v is ParamSpec {
  const t = (v as { type?: unknown } | null)?.type;
  return t === 'float' || t === 'int' || t === 'categorical';
}

// Maps and validates params as a worker would, failing with `<source>: space.<key> = <value> (<where>): <why>`.
function tryTrial(source: string, key: string, c: Candidate, params: Record<string, unknown>): void {
  const at = `${source}: space.${key} = ${JSON.stringify(c.value)} (${c.where})`;
  let hp: Record<string, unknown>;
  try {
    hp = trialHParams(params);
  } catch (e) {
    if (e instanceof DojoError && e.code === 'USAGE') throw new DojoError('USAGE', `${at}: ${e.message}`, { cause: e });
    throw e;
  }
  parseHParams(hp, at);
}

/**
 * Throws a USAGE error naming the space file, the key and the value when the built-in worker would
 * refuse a value the space can hand out. `space` is a validated search space (lib/hpo/space.ts).
 */
export function checkTrialSpace(space: Readonly<Record<string, unknown>>, source: string): void {
  const params = Object.entries(space).filter((e): e is [string, ParamSpec] => isParamSpec(e[1]));
  for (const [key, p] of params) {
    for (const c of candidates(p)) tryTrial(source, key, c, { ...companions(key), [key]: c.value });
  }
  // The layer keys together: each number of layers the space allows needs a width for every layer.
  const count = params.find(([k]) => trialParamRole(k) === 'layers');
  if (!count) return;
  const widths = params.filter(([k]) => trialParamRole(k) === 'width' || trialParamRole(k) === 'layer-width');
  const base = Object.fromEntries(widths.map(([k, p]) => [k, candidates(p)[0]!.value]));
  for (const c of candidates(count[1])) tryTrial(source, count[0], c, { ...base, [count[0]]: c.value });
}
