// The HPO core and its client: the API v1 wire types, HpoClient, the search space, study specs,
// samplers and pruners. The HTTP service and its storage are in ./service.
export type { TrialAsk, TellAndAskResult, TellState, RendezvousResult, StudyInfo, StudyDetail, TrialInfo, BestTrial, BestModel, EnqueueResult } from './api';
export { HpoClient } from './client';
export { AskAhead, type AskAheadClient } from './client';
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
  checkParamSets,
  createSampler,
  createPruner,
  type StudySpec,
  type StudySpecInput,
  type ResolvedStudySpec,
  type SamplerSpec,
  type PrunerSpec,
} from './spec';
export type { Sampler, Pruner, SampleContext, PruneContext, FrozenTrial, TrialState, Direction, Proposal, SamplerMemo, SamplerChoice } from './types';
export { Rng } from './rng';
export { RandomSampler } from './samplers/random';
export { GridSampler } from './samplers/grid';
export { TpeSampler, tpeDefaults, type TpeOptions } from './samplers/tpe/sampler';
export { GpSampler, type GpOptions } from './samplers/gp/sampler';
export { AutoSampler, decideAuto, conditionalParams, type AutoDecision } from './samplers/auto';
export { NopPruner } from './pruners/none';
export { MedianPruner, type MedianOptions } from './pruners/median';
export { AshaPruner, type AshaOptions } from './pruners/asha';
