// The kinds of job a dojo runs. Each kind has its own worker environment (env.ts), its own
// hyperparameter schema and metrics (checked when a study is made), and its own workers.

/** Every job kind; a record without one is a built-in job (records written before kinds existed). */
export const JOB_KINDS = ['builtin', 'command'] as const;

/**
 * A job kind. `builtin`: the bundled fare model's worker loop (`dojo worker run`); `command`: the
 * user's own command, driven trial by trial by `dojo job drive` (replica-env.ts).
 */
export type JobKind = (typeof JOB_KINDS)[number];

/** The kind of a job record (`builtin` when it has none). */
export function jobKindOf(job: { readonly kind?: JobKind }): JobKind {
  return job.kind ?? 'builtin';
}

/** What the study of a job of a kind may ask of its trials (checked at `hpo enable` and `job start`). */
export interface JobKindSpec {
  /** The metrics a trial can tell as its value; undefined when any name the trial reports will do. */
  readonly metrics?: readonly string[];
  /** The metric a study optimises when `hpo enable` names none. */
  readonly defaultMetric: string;
  /**
   * Throws a USAGE error naming the space file, the key and the value when a trial of this kind
   * could be handed a value it refuses (every bound and choice is tried).
   */
  checkSpace(space: Readonly<Record<string, unknown>>, source: string): void;
  /** Throws a USAGE error when the job's environment cannot give the metric (e.g. test_rmse without a test set). */
  checkStart?(env: Readonly<Record<string, string>>, metric: string): void;
}
