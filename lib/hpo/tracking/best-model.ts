import type { TrackingClient } from '../../tracking';
import { RegistryClient } from '../../tracking/registry-client';
import type { StudyDetail } from '../study';

/** Tags on the study's parent run naming its best model. */
export const BEST_MODEL_TAG = { uri: 'dojo.best_model', registered: 'dojo.registered_model' } as const;

/** What promoteBestModel did. */
export interface BestModelResult {
  /** `runs:/<parent>/best_model` */
  readonly uri: string;
  /** `models:/<name>/<version>` when the server has a model registry. */
  readonly registered?: string;
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
): Promise<BestModelResult | undefined> {
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
): Promise<BestModelResult | undefined> {
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
  await client.uploadArtifact(parent, 'best_model/model.dojo', weights);
  await client.uploadArtifact(parent, 'best_model/MLmodel', descriptor.replace(/^artifact_path: .*$/m, 'artifact_path: best_model'));
  const uri = `runs:/${parentRunId}/best_model`;
  await client.setTag(parentRunId, BEST_MODEL_TAG.uri, uri);
  let registered: string | undefined;
  try {
    const mv = await new RegistryClient(client).registerModel(detail.name, uri, parentRunId);
    registered = `models:/${mv.name}/${mv.version}`;
    await client.setTag(parentRunId, BEST_MODEL_TAG.registered, registered);
  } catch (e) {
    log(`study ${detail.name}: best model not registered (${(e as Error).message})`);
  }
  return { uri, ...(registered ? { registered } : {}) };
}
