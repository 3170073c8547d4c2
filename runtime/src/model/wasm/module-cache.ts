// Compiled kernel modules kept per shape, so that a worker's later trials (and the evaluation-sized
// rebuild of a network) of a shape it met before skip generating the kernels (~10–30 ms of JS per
// model). A module is read-only and holds no memory of its own (it imports it), so instances made
// from one module share nothing but code.
import type { ModelLayout } from '../layout';
import { buildKernels, type KernelOptions } from './kernels';
import type { MemoryPlan } from './plan';

/** Shapes kept; a study meets a few dozen at most. */
const MAX_MODULES = 64;

/**
 * Every field of the plan, named here so that the compiler refuses a MemoryPlan field the key does
 * not cover (see `Covers` below): the key must hold everything buildKernels reads.
 */
const PLAN_FIELDS = [
  'dtype', 'elem', 'lanes', 'unroll', 'block', 'capacity', 'stride', 'params', 'grads', 'stats', 'fwdW', 'fwdB', 'bwdT',
  'bwdBeta', 'bwdGamma', 'acc', 'xin', 'yin', 'inDense', 'hotIn', 'sacc', 'act', 'dpre', 'bytes',
] as const satisfies readonly (keyof MemoryPlan)[];
const LAYOUT_FIELDS = ['dims', 'batchNorm', 'linears', 'numParams', 'numStats', 'sparse'] as const satisfies readonly (keyof ModelLayout)[];
const LINEAR_FIELDS = ['in', 'out', 'gamma', 'beta', 'weight', 'bias', 'runningMean', 'runningVar', 'relu'] as const satisfies readonly (keyof ModelLayout['linears'][number])[];
const SPARSE_FIELDS = ['dense', 'perRow'] as const satisfies readonly (keyof NonNullable<ModelLayout['sparse']>)[];
const OPTION_FIELDS = ['fma', 'fwdGroup', 'bwdGroup'] as const satisfies readonly (keyof KernelOptions)[];

/** `true` only when `Listed` names every key of `T` (a type error otherwise). */
type Covers<T, Listed> = [Exclude<keyof T, Listed>] extends [never] ? true : never;
const covered: [
  Covers<MemoryPlan, (typeof PLAN_FIELDS)[number]>,
  Covers<ModelLayout, (typeof LAYOUT_FIELDS)[number]>,
  Covers<ModelLayout['linears'][number], (typeof LINEAR_FIELDS)[number]>,
  Covers<NonNullable<ModelLayout['sparse']>, (typeof SPARSE_FIELDS)[number]>,
  Covers<KernelOptions, (typeof OPTION_FIELDS)[number]>,
] = [true, true, true, true, true];
void covered;

/** The values of `fields` of `o` in that order (absent ones as null, so positions never shift). */
function pick(o: object, fields: readonly string[]): unknown[] {
  return fields.map((f) => (o as Record<string, unknown>)[f] ?? null);
}

/**
 * The cache key of a kernel module: every input of buildKernels, field by field in a fixed order
 * (arrays and the per-Linear slots included), so two shapes share a module only when they would
 * generate the same bytes.
 */
export function kernelKey(plan: MemoryPlan, layout: ModelLayout, opt: KernelOptions): string {
  const lay = pick(layout, LAYOUT_FIELDS);
  lay[LAYOUT_FIELDS.indexOf('linears')] = layout.linears.map((s) => pick(s, LINEAR_FIELDS));
  lay[LAYOUT_FIELDS.indexOf('sparse')] = layout.sparse ? pick(layout.sparse, SPARSE_FIELDS) : null;
  return JSON.stringify([pick(plan, PLAN_FIELDS), lay, pick(opt, OPTION_FIELDS)]);
}

/** A bounded, least-recently-used map of compiled kernel modules by kernelKey. */
export class KernelModules {
  private readonly modules = new Map<string, WebAssembly.Module>();
  /** Modules generated and compiled, and modules served from the cache (for tests and logs). */
  built = 0;
  reused = 0;

  constructor(private readonly max = MAX_MODULES) {}

  /** The compiled kernels of a plan, layout and options: generated once per distinct key. */
  get(plan: MemoryPlan, layout: ModelLayout, opt: KernelOptions): WebAssembly.Module {
    const key = kernelKey(plan, layout, opt);
    let m = this.modules.get(key);
    if (m) {
      this.reused++;
      // Most recently used last: the oldest shape goes first when the cache is full.
      this.modules.delete(key);
    } else {
      m = new WebAssembly.Module(buildKernels(plan, layout, opt));
      this.built++;
      if (this.modules.size >= this.max) this.modules.delete(this.modules.keys().next().value!);
    }
    this.modules.set(key, m);
    return m;
  }
}

/** The process's kernel modules (code only, like V8's own compiled-code cache). */
export const kernelModules = new KernelModules();
