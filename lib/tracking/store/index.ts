export * from './store';
export type { SearchRunsQuery, RunViewType } from './run-search';
export type { SearchExperimentsQuery, ViewType } from './experiments';
export type { CreateRunInput, UpdateRunInput } from './runs';
