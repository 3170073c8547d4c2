import { DojoError } from '../../../lib/errors';

/** Training metrics are logged every this many steps by default (PyTorch Lightning's log_every_n_steps). */
export const DEFAULT_LOG_EVERY_N_STEPS = 50;

/**
 * Which steps' training metrics (train_mse, train_rmse, rows_per_sec, train_steps_per_sec) are
 * logged: every `everyNSteps`-th step and the last step trained, whether the run ends at
 * max_batches or earlier (pruned). Evaluations (val_rmse) and the final metrics are always logged.
 */
export class MetricsPolicy {
  constructor(readonly everyNSteps: number = DEFAULT_LOG_EVERY_N_STEPS) {
    if (!Number.isSafeInteger(everyNSteps) || everyNSteps < 1) {
      throw new DojoError('USAGE', `log every N steps: must be a whole number >= 1, got ${everyNSteps}`);
    }
  }

  /** True when step `step` of `lastStep` is logged as it is trained. */
  logs(step: number, lastStep: number): boolean {
    return step % this.everyNSteps === 0 || step === lastStep;
  }

  /** The steps whose training metrics a run that trained `trained` steps logged: what a reader should find. */
  loggedSteps(trained: number): number[] {
    const out: number[] = [];
    for (let s = this.everyNSteps; s <= trained; s += this.everyNSteps) out.push(s);
    if (trained > 0 && out.at(-1) !== trained) out.push(trained);
    return out;
  }
}

/** Parses a `--log-every-n-steps` / `DOJO_LOG_EVERY_N_STEPS` value, naming where it came from. */
export function parseLogEveryNSteps(text: string | undefined, source: string): number {
  if (text === undefined || text === '') return DEFAULT_LOG_EVERY_N_STEPS;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new DojoError('USAGE', `${source}: must be a whole number >= 1 (1 logs every step), got "${text}"`);
  return n;
}
