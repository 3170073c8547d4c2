// The command job kind as a study sees it: the user's code reports whatever metric the study names
// (DOJO_METRIC), and takes any hyperparameter the space defines (an MLflow Project's declared
// parameters are checked against the job's entry point at `job start`, see project.ts).
import type { JobKindSpec } from './kinds';

/** The metric a command job's study optimises when `hpo enable` names none. */
export const COMMAND_DEFAULT_METRIC = 'loss';

/** The command job kind (the user's own training code). */
export const commandKind: JobKindSpec = {
  defaultMetric: COMMAND_DEFAULT_METRIC,
  // Any key and value reach the command as DOJO_TRIAL_PARAMS; the user's code owns their meaning.
  checkSpace: () => undefined,
};
