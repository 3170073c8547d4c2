// MLflow REST API 2.0 JSON shapes (snake_case, as on the wire), shared by the client and the server.

/** The lifecycle of a run, as MLflow names it. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** The run statuses MLflow accepts, in proto order. */
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** Whether a run or experiment is live or soft-deleted. */
export type LifecycleStage = 'active' | 'deleted';

/** A tag on an experiment or run. */
export interface RunTag {
  key: string;
  value: string;
}

/** An experiment tag (same shape as a run tag). */
export type ExperimentTag = RunTag;

/** A run parameter: immutable once logged. */
export interface Param {
  key: string;
  value: string;
}

/** One metric point; `value` is a number (NaN and ±Infinity included once parsed). */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** An MLflow experiment. */
export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  last_update_time?: number;
  creation_time?: number;
  tags?: ExperimentTag[];
}

/** Run metadata: `run_id` and `run_uuid` are the same 32-hex id. */
export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time: number;
  /** Absent while the run has not ended. */
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

/** Params, latest metrics and tags of a run; each list is absent when empty. */
export interface RunData {
  metrics?: Metric[];
  params?: Param[];
  tags?: RunTag[];
}

/** A tag on a run's input, e.g. `mlflow.data.context` = `training`. */
export interface InputTag {
  key: string;
  value: string;
}

/**
 * A dataset as MLflow records it (`mlflow.log_input`): deduplicated per experiment by name and
 * digest. `schema` and `profile` are free-form strings (MLflow writes JSON).
 */
export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

/** A dataset used by a run, with the input's tags (absent when there are none). */
export interface DatasetInput {
  tags?: InputTag[];
  dataset: Dataset;
}

/** A run's inputs; `dataset_inputs` is absent when the run has none. */
export interface RunInputs {
  dataset_inputs?: DatasetInput[];
}

/** An MLflow run as `runs/get` answers it (`inputs` since MLflow 2.4; `{}` when there are none). */
export interface Run {
  info: RunInfo;
  data: RunData;
  inputs?: RunInputs;
}

/** One entry of an artifact listing. */
export interface FileInfo {
  path: string;
  is_dir: boolean;
  /** Absent for directories. */
  file_size?: number;
}

/** The tag MLflow uses to nest a child run under its parent. */
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
/** The tag that mirrors a run's name. */
export const RUN_NAME_TAG = 'mlflow.runName';
/** The input tag MLflow uses for a dataset's role in a run (`training`, `validation`, ...). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** MLflow's error codes that this project produces or interprets. */
export type MlflowErrorCode =
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_PARAMETER_VALUE'
  | 'BAD_REQUEST'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR'
  | 'ENDPOINT_NOT_FOUND';

/** MLflow's limits for one log-batch call. */
export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;
