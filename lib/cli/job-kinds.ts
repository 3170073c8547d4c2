// Which code knows each job kind's trials: the CLI checks a study against it at `hpo enable` and
// `job start` (the providers start workers and know nothing of hyperparameters).
import type { JobKind, JobKindSpec } from '../jobs/kinds';

/** The spec of a job kind (loaded on demand: it pulls in the kind's hyperparameter schema). */
export async function jobKindSpec(kind: JobKind): Promise<JobKindSpec> {
  switch (kind) {
    case 'builtin':
      return (await import('../../runtime/src/worker/kind')).builtinKind;
    case 'command':
      return (await import('../jobs/command-kind')).commandKind;
  }
}
