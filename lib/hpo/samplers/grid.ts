import { Rng } from '../rng';
import { SpaceError, type ParamValue, type Params, type SearchSpace } from '../space';
import type { SampleContext, Sampler } from '../types';

/** The largest grid the sampler enumerates; bigger spaces should use random or TPE. */
export const MAX_GRID_POINTS = 1_000_000;

/** Lists the grid values of every parameter; floats need a step (the error names the path). */
export function gridAxes(space: SearchSpace): { names: string[]; values: ParamValue[][] } {
  const names = Object.keys(space);
  const values = names.map((name) => {
    const p = space[name]!;
    if (p.type === 'categorical') return [...p.choices];
    const step = p.step ?? (p.type === 'int' ? 1 : undefined);
    if (step === undefined) {
      throw new SpaceError(`space.${name}.step`, 'the grid sampler needs a step for float parameters (or use "tpe"/"random")');
    }
    const n = Math.round((p.high - p.low) / step) + 1;
    if (n > MAX_GRID_POINTS) throw new SpaceError(`space.${name}`, `${n} grid values is more than ${MAX_GRID_POINTS}`);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(p.type === 'int' ? p.low + i * step : Number((p.low + i * step).toPrecision(15)));
    return out;
  });
  const size = values.reduce((a, v) => a * v.length, 1);
  if (size > MAX_GRID_POINTS) throw new SpaceError('space', `the grid has ${size} points, more than ${MAX_GRID_POINTS}; use "tpe" or "random"`);
  return { names, values };
}

function valueKey(v: unknown): string {
  return `${typeof v}:${String(v)}`;
}

/**
 * Exhaustive grid search: every point once, in an order shuffled by the seed. A point is taken
 * while a non-failed trial holds it, so a failed trial's point is handed out again; when every
 * point is held the sampler returns undefined (the service answers 409).
 */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  private readonly names: string[];
  private readonly values: ParamValue[][];
  private readonly index: Map<string, number>[];
  private readonly order: Uint32Array;

  constructor(space: SearchSpace, seed: number) {
    const axes = gridAxes(space);
    this.names = axes.names;
    this.values = axes.values;
    this.index = this.values.map((vs) => new Map(vs.map((v, i) => [valueKey(v), i])));
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const rng = new Rng(seed, 0x67726964);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    this.order = order;
  }

  /** Number of grid points. */
  get size(): number {
    return this.values.reduce((a, v) => a * v.length, 1);
  }

  /** The flat index of a suggestion on the grid, or -1 when it is not a grid point. */
  indexOf(params: Params): number {
    let flat = 0;
    for (let d = 0; d < this.names.length; d++) {
      const i = this.index[d]!.get(valueKey(params[this.names[d]!]));
      if (i === undefined) return -1;
      flat = flat * this.values[d]!.length + i;
    }
    return flat;
  }

  /** The suggestion at a flat grid index. */
  pointAt(flat: number): Params {
    const out: Params = {};
    for (let d = this.names.length - 1; d >= 0; d--) {
      const n = this.values[d]!.length;
      out[this.names[d]!] = this.values[d]![flat % n]!;
      flat = Math.floor(flat / n);
    }
    const ordered: Params = {};
    for (const name of this.names) ordered[name] = out[name]!;
    return ordered;
  }

  /** The next grid point no live trial holds, or undefined when the grid is exhausted. */
  sample(ctx: SampleContext): Params | undefined {
    const held = new Set<number>();
    for (const t of ctx.trials) if (t.state !== 'failed') held.add(this.indexOf(t.params));
    for (let i = 0; i < this.order.length; i++) {
      if (!held.has(this.order[i]!)) return this.pointAt(this.order[i]!);
    }
    return undefined;
  }
}
