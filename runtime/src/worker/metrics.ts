// The metrics a built-in trial can tell the HPO service as its value: the numeric fields every
// training result has (TrainResult, runtime/src/train/train.ts, is the one definition; the list is
// checked against it by the compiler). Light: `dojo hpo enable --help` reads it.
import type { TrainResult } from '../train/train';

/** Metrics a built-in trial may optimise (`dojo hpo enable --metric`); test_rmse needs a test set. */
export const TRIAL_METRICS = ['val_rmse', 'train_rmse', 'train_mse', 'test_rmse', 'rows_per_sec', 'end_to_end_rows_per_sec'] as const satisfies readonly (keyof TrainResult)[];

/** One of TRIAL_METRICS. */
export type TrialMetric = (typeof TRIAL_METRICS)[number];

/** What a built-in study optimises unless told otherwise (the book's objective). */
export const DEFAULT_TRIAL_METRIC: TrialMetric = 'val_rmse';
