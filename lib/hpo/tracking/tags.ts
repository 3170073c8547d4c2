/**
 * The tags the HPO service writes into tracking. Together they are enough to rebuild a study
 * without its database: the parent run's `hpo.spec` and `hpo.seed` recreate the study, each
 * child run's `hpo.trial_number`, `hpo.params` (typed JSON), `hpo.state` and metric `objective`
 * recreate its trials (see rebuild.ts).
 */
export const TAG = {
  role: 'hpo.role',
  study: 'hpo.study',
  studyId: 'hpo.study_id',
  sampler: 'hpo.sampler',
  seed: 'hpo.seed',
  direction: 'hpo.direction',
  space: 'hpo.space',
  spec: 'hpo.spec',
  pruner: 'hpo.pruner',
  metric: 'hpo.metric',
  trialNumber: 'hpo.trial_number',
  state: 'hpo.state',
  params: 'hpo.params',
  bestTrial: 'hpo.best_trial',
} as const;
