export { startHpoService, buildApp, type HpoServiceHandle, type HpoServiceOptions } from './service/server';
export { Rendezvous, type RendezvousResult, type RendezvousOptions } from './service/rendezvous';
export { HpoClient } from './client';
export { HpoEngine, BadRequest, type TrialAsk, type TellState, type EngineOptions } from './engine';
export type { StudyObserver } from './observer';
export { SqliteStore, type StoredStudy, type StoredTrial } from './storage/sqlite';
export { StudyRuntime, type StudyInfo, type StudyDetail, type TrialInfo, type BestTrial, type BestModel } from './study';
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
