import { DojoError } from '../../../lib/errors';
import type { TrackingClient } from '../../../lib/tracking/client';
import type { Run, RunInfo } from '../../../lib/tracking/types';
import type { Model } from '../model';
import { decodeModel, encodeModel, type DecodeOptions, type LoadedModel } from './codec';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelHeader } from './format';

/** File name of the weights inside a model artifact directory. */
export const MODEL_FILE_NAME = 'model.dojo';
/** File name of the MLflow-style descriptor inside a model artifact directory. */
export const MLMODEL_FILE_NAME = 'MLmodel';
/** Artifact directory a training run logs its model under. */
export const MODEL_ARTIFACT_DIR = 'model';

const yamlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * The `MLmodel` descriptor (MLflow's YAML layout) of a dojo model: flavor `dojo` naming the weights
 * file and format version, and a column signature of the features (MLflow's JSON-in-YAML form), so
 * an MLflow user sees inputs, output and dtype in the UI.
 */
export function formatMLmodel(header: ModelHeader, artifactPath: string, runId?: string): string {
  const inputs = JSON.stringify(header.features.map((name) => ({ type: 'double', name, required: true })));
  const outputs = JSON.stringify([{ type: header.dtype === 'float64' ? 'double' : 'float', name: 'prediction', required: true }]);
  return [
    `artifact_path: ${artifactPath}`,
    'flavors:',
    '  dojo:',
    `    format: ${MODEL_FORMAT}`,
    `    format_version: ${MODEL_FORMAT_VERSION}`,
    `    model_file: ${MODEL_FILE_NAME}`,
    `    dtype: ${header.dtype}`,
    `    hidden_layers: ${yamlString(JSON.stringify(header.hparams.num_hidden_neurons))}`,
    `    batch_norm: ${header.layers.batch_norm}`,
    `    label: ${header.label}`,
    ...(runId ? [`run_id: ${runId}`] : []),
    'signature:',
    `  inputs: ${yamlString(inputs)}`,
    `  outputs: ${yamlString(outputs)}`,
    '  params: null',
    `utc_time_created: ${yamlString(header.created.replace('T', ' ').replace('Z', ''))}`,
    '',
  ].join('\n');
}

/**
 * Logs a model file as run artifacts `<dir>/MLmodel` and `<dir>/model.dojo` (dir `model` by default,
 * `best_model` for a study's parent run). The bytes are validated first, so only loadable models are logged.
 */
export async function logModelArtifacts(
  client: TrackingClient,
  run: Run | RunInfo,
  bytes: Uint8Array,
  dir: string = MODEL_ARTIFACT_DIR,
): Promise<void> {
  const info = 'info' in run ? run.info : run;
  const { header } = decodeModel(bytes, `model for run ${info.run_id}`, { backend: 'js', capacityRows: 1 });
  // Both files go up at once: nothing reads them before the caller's await returns.
  await Promise.all([
    client.uploadArtifact(info, `${dir}/${MODEL_FILE_NAME}`, bytes),
    client.uploadArtifact(info, `${dir}/${MLMODEL_FILE_NAME}`, formatMLmodel(header, dir, info.run_id)),
  ]);
}

/** A parsed `runs:/<run_id>/<path>` URI. */
export interface RunsUri {
  readonly runId: string;
  readonly path: string;
}

/** Parses `runs:/<run_id>/<artifact dir>`; undefined for other URIs. */
export function parseRunsUri(uri: string): RunsUri | undefined {
  const m = /^runs:\/+([^/]+)\/(.+?)\/*$/.exec(uri);
  return m ? { runId: m[1]!, path: m[2]! } : undefined;
}

/** Downloads and validates the model logged under `runs:/<run_id>/<dir>`. */
export async function loadRunModel(client: TrackingClient, uri: RunsUri, opts: DecodeOptions = {}): Promise<LoadedModel> {
  const run = await client.getRun(uri.runId);
  const source = `runs:/${uri.runId}/${uri.path}/${MODEL_FILE_NAME}`;
  let bytes: Uint8Array;
  try {
    bytes = await client.downloadArtifact(run, `${uri.path}/${MODEL_FILE_NAME}`);
  } catch (e) {
    throw new DojoError('NOT_FOUND', `${source}: cannot download the model (${(e as Error).message}); was it logged with dojo train --save --tracking?`, { cause: e });
  }
  return decodeModel(bytes, source, opts);
}

/**
 * Logs a just-trained model as `model/` artifacts of a run (what `dojo train --tracking` and every
 * HPO trial do). Metrics are the finite numbers of `metrics`.
 */
export async function logTrainedModel(client: TrackingClient, runId: string, model: Model, metrics: object, run?: Promise<RunInfo>): Promise<void> {
  const numbers = Object.fromEntries(Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === 'number'));
  const bytes = encodeModel(model, { metrics: numbers, runId });
  // A run asked for ahead of time saves a round trip; if that ask failed, it is asked again now.
  const info = run ? await run.catch(() => undefined) : undefined;
  await logModelArtifacts(client, info ?? (await client.getRun(runId)).info, bytes);
}

/**
 * An `onTrained` hook of train() that logs the model to the run, or undefined without tracking.
 * The run (its artifact location) is asked for now, while the model trains, not after it.
 */
export function modelLoggerFor(client: TrackingClient | undefined, runId: string | undefined): ((model: Model, result: object) => Promise<void>) | undefined {
  if (!client || !runId) return undefined;
  const run = client.getRun(runId).then((r) => r.info);
  run.catch(() => undefined);
  return (model, result) => logTrainedModel(client, runId, model, result, run);
}
