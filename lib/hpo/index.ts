// The HPO core and its client: the API v1 wire types, HpoClient, the search space, study specs,
// samplers and pruners. The HTTP service and its storage are in ./service.
export type { TrialAsk, TellState, RendezvousResult, StudyInfo, StudyDetail, TrialInfo, BestTrial, BestModel } from './api';
export { HpoClient } from './client';
export {
  validateSpace,
  checkSpace,
  contains,
  searchSpaceSchema,
  type SearchSpace,
  type ParamSpec,
  type FloatParam,
  type IntParam,
  type CategoricalParam,
  type ParamValue,
  type Params,
} from './space';
export {
  studySpecSchema,
  checkStudySpec,
  parseStudySpec,
  createSampler,
  createPruner,
  type StudySpec,
  type StudySpecInput,
  type ResolvedStudySpec,
  type SamplerSpec,
  type PrunerSpec,
} from './spec';
export type { Sampler, Pruner, SampleContext, PruneContext, FrozenTrial, TrialState, Direction } from './types';
export { Rng } from './rng';
export { RandomSampler } from './samplers/random';
export { GridSampler } from './samplers/grid';
export { TpeSampler, tpeDefaults, type TpeOptions } from './samplers/tpe/sampler';
export { NopPruner } from './pruners/none';
export { MedianPruner, type MedianOptions } from './pruners/median';
export { AshaPruner, type AshaOptions } from './pruners/asha';
