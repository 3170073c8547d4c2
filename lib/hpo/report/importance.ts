import { isNumeric, numericDomain, toInternal } from '../domain';
import { ParzenEstimator } from '../samplers/tpe/parzen';
import type { ParamSpec, Params, SearchSpace } from '../space';
import type { Direction } from '../types';

/** The parts of a study importances are computed from (a StudyDetail has them; so does the web UI's study). */
export interface ImportanceInput {
  readonly space: SearchSpace;
  readonly direction: Direction;
  readonly trials: readonly { readonly state: string; readonly value?: number; readonly params: Params }[];
}

type TrialLike = ImportanceInput['trials'][number];

/** Share of the best trials that forms the "local" set of PED-ANOVA. */
const LOCAL_QUANTILE = 0.1;
const GRID = 100;

/**
 * Parameter importances by PED-ANOVA (Watanabe et al., IJCAI 2023): for each parameter, the
 * Pearson divergence between the marginal density of the top 10 % trials and that of all
 * complete trials, ∫ p_all(x) (p_top(x)/p_all(x) − 1)² dx, estimated with 1-D Parzen
 * estimators on a 100-point grid. Normalised to sum to 1; a parameter whose good values look
 * like all its values scores near 0.
 */
export function pedAnovaImportances(study: ImportanceInput): Record<string, number> {
  const done = study.trials.filter((t) => t.state === 'complete' && t.value !== undefined);
  const names = Object.keys(study.space);
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  if (done.length < 4) return out;
  const sign = study.direction === 'minimize' ? 1 : -1;
  const ranked = [...done].sort((a, b) => sign * (a.value! - b.value!));
  const top = ranked.slice(0, Math.max(2, Math.ceil(LOCAL_QUANTILE * ranked.length)));
  let total = 0;
  for (const name of names) {
    const d = divergence(study.space[name]!, name, top, ranked);
    out[name] = d;
    total += d;
  }
  if (total > 0) for (const n of names) out[n] = out[n]! / total;
  return out;
}

function divergence(p: ParamSpec, name: string, local: readonly TrialLike[], global: readonly TrialLike[]): number {
  if (!isNumeric(p)) {
    const k = p.choices.length;
    const freq = (ts: readonly TrialLike[]) => {
      const f = new Float64Array(k).fill(1 / k); // add-one-ish smoothing keeps ratios finite
      for (const t of ts) f[Math.max(0, p.choices.indexOf(t.params[name] as never))]! += 1;
      const s = f.reduce((a, b) => a + b, 0);
      return f.map((x) => x / s);
    };
    const pl = freq(local);
    const pg = freq(global);
    let d = 0;
    for (let j = 0; j < k; j++) d += pg[j]! * (pl[j]! / pg[j]! - 1) ** 2;
    return d;
  }
  const dom = numericDomain(p);
  if (dom.hi <= dom.lo) return 0;
  const grid = new Float64Array(GRID);
  for (let i = 0; i < GRID; i++) grid[i] = dom.lo + ((i + 0.5) / GRID) * (dom.hi - dom.lo);
  const kde = (ts: readonly TrialLike[]) => {
    const obs = Float64Array.from(ts, (t) => toInternal(p, t.params[name] as number));
    const est = new ParzenEstimator([{ kind: 'numeric', lo: dom.lo, hi: dom.hi, minWidth: (dom.hi - dom.lo) / 100 }], [obs], new Float64Array(obs.length).fill(1), {
      priorWeight: 1,
      bandwidth: 'neighbours',
      magicClip: true,
    });
    const lp = est.logPdf([grid], GRID);
    const dens = lp.map(Math.exp);
    const s = dens.reduce((a, b) => a + b, 0);
    return dens.map((x) => x / s);
  };
  const pl = kde(local);
  const pg = kde(global);
  let d = 0;
  for (let i = 0; i < GRID; i++) d += pg[i]! * (pl[i]! / pg[i]! - 1) ** 2;
  return d;
}
