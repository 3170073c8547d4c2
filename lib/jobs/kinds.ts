// The kinds of job a dojo runs. Each kind has its own worker environment (env.ts), its own
// hyperparameter schema and metrics (checked when a study is made), and its own workers.

/** Every job kind; a record without one is a built-in job (records written before kinds existed). */
export const JOB_KINDS = ['builtin'] as const;

/** A job kind. `builtin`: the bundled fare model's worker loop (`dojo worker run`). */
export type JobKind = (typeof JOB_KINDS)[number];

/** The kind of a job record (`builtin` when it has none). */
export function jobKindOf(job: { readonly kind?: JobKind }): JobKind {
  return job.kind ?? 'builtin';
}
