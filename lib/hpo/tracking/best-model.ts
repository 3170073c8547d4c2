import type { TrackingClient } from '../../tracking';
import { RegistryClient } from '../../tracking/registry-client';
import type { BestModel, StudyDetail } from '../study';

/** Tags on the study's parent run naming its best model. */
export const BEST_MODEL_TAG = { uri: 'dojo.best_model', registered: 'dojo.registered_model' } as const;

/** The artifact directory of the best model on the parent run. */
export const BEST_MODEL_DIR = 'best_model';

/**
 * The BestModel named by a parent run's tags (`dojo.best_model`, `dojo.registered_model`), or
 * undefined when the run has no best model; what a study rebuilt from tracking shows.
 */
export function bestModelFromTags(runId: string, uri: string | undefined, registered: string | undefined): BestModel | undefined {
  const m = uri ? /^runs:\/+([^/]+)\/(.+?)\/*$/.exec(uri) : null;
  if (!m || m[1] !== runId) return undefined;
  const r = registered ? /^models:\/+([^/]+)\/(\d+)$/.exec(registered) : null;
  return { runId, artifactPath: m[2]!, uri: uri!, ...(r ? { registeredModel: { name: decodeURIComponent(r[1]!), version: r[2]!, uri: registered! } } : {}) };
}

/**
 * An MLmodel descriptor moved to another run's artifact directory: MLflow reads `artifact_path`
 * and `run_id` as where the model lives, so both name the copy, not the trial it came from.
 */
export function relocatedMLmodel(descriptor: string, artifactPath: string, runId: string): string {
  const moved = descriptor.replace(/^artifact_path: .*$/m, `artifact_path: ${artifactPath}`);
  return /^run_id: .*$/m.test(moved) ? moved.replace(/^run_id: .*$/m, `run_id: ${runId}`) : moved.replace(/^(artifact_path: .*)$/m, `$1\nrun_id: ${runId}`);
}

/**
 * At study end: copies the best trial's `model/` artifacts (MLmodel + model.dojo, as logged by the
 * worker) to the parent run's `best_model/`, tags the parent run with its URI and registers it as a
 * new version of the registered model named after the study (the job). Returns undefined when
 * there is no best trial or it logged no model; a server without a registry only skips the
 * registration (logged).
 */
export async function promoteBestModel(
  client: TrackingClient,
  detail: Pick<StudyDetail, 'name' | 'best' | 'trials'>,
  parentRunId: string,
  log: (line: string) => void,
): Promise<BestModel | undefined> {
  try {
    return await promote(client, detail, parentRunId, log);
  } catch (e) {
    // The study's end (report, run status) must not fail because of its model.
    log(`study ${detail.name}: best model not promoted (${(e as Error).message})`);
    return undefined;
  }
}

async function promote(
  client: TrackingClient,
  detail: Pick<StudyDetail, 'name' | 'best' | 'trials'>,
  parentRunId: string,
  log: (line: string) => void,
): Promise<BestModel | undefined> {
  const best = detail.best;
  const trial = best ? detail.trials.find((t) => t.number === best.number) : undefined;
  if (!trial?.runId) return undefined;
  const [child, parent] = await Promise.all([client.getRun(trial.runId), client.getRun(parentRunId)]);
  let weights: Uint8Array;
  let descriptor: string;
  try {
    weights = await client.downloadArtifact(child, 'model/model.dojo');
    descriptor = new TextDecoder().decode(await client.downloadArtifact(child, 'model/MLmodel'));
  } catch (e) {
    log(`study ${detail.name}: best trial ${trial.number} logged no model (${(e as Error).message}); no best_model/`);
    return undefined;
  }
  await client.uploadArtifact(parent, `${BEST_MODEL_DIR}/model.dojo`, weights);
  await client.uploadArtifact(parent, `${BEST_MODEL_DIR}/MLmodel`, relocatedMLmodel(descriptor, BEST_MODEL_DIR, parentRunId));
  const uri = `runs:/${parentRunId}/${BEST_MODEL_DIR}`;
  await client.setTag(parentRunId, BEST_MODEL_TAG.uri, uri);
  let registeredModel: BestModel['registeredModel'];
  try {
    const mv = await new RegistryClient(client).registerModel(detail.name, uri, parentRunId);
    registeredModel = { name: mv.name, version: mv.version, uri: `models:/${mv.name}/${mv.version}` };
    await client.setTag(parentRunId, BEST_MODEL_TAG.registered, registeredModel.uri);
  } catch (e) {
    log(`study ${detail.name}: best model not registered (${(e as Error).message})`);
  }
  return { runId: parentRunId, artifactPath: BEST_MODEL_DIR, uri, ...(registeredModel ? { registeredModel } : {}) };
}
