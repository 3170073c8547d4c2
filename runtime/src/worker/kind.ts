// The built-in job kind as a study sees it: the metrics a trial can tell, the default one, and the
// check of a space and an environment against what the built-in worker accepts.
import { DojoError } from '../../../lib/errors';
import { GLOB_ENV } from '../../../lib/jobs/env';
import type { JobKindSpec } from '../../../lib/jobs/kinds';
import { DEFAULT_TRIAL_METRIC, TRIAL_METRICS } from './metrics';
import { checkTrialSpace } from './space';

/** The built-in job kind (the bundled fare model's worker loop). */
export const builtinKind: JobKindSpec = {
  metrics: TRIAL_METRICS,
  defaultMetric: DEFAULT_TRIAL_METRIC,
  checkSpace: checkTrialSpace,
  checkStart(env, metric) {
    if (metric === 'test_rmse' && !env[GLOB_ENV.test]) {
      throw new DojoError('USAGE', `the study optimises test_rmse, which needs a test set: add -e ${GLOB_ENV.test} GLOB (or optimise val_rmse)`);
    }
  },
};
