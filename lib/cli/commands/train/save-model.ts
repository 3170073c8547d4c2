import type { TrackingClient } from '../../../tracking';
import type { Model } from '../../../../runtime/src/model';
import { encodeModel, logModelArtifacts, saveModel } from '../../../../runtime/src/model-file';
import type { TrainResult } from '../../../../runtime/src/train';
import type { CommandContext } from '../../spec';

/**
 * `dojo train --save PATH` / `--tracking`: writes the model file (hyperparameters, weights, BatchNorm
 * statistics, metrics) and logs it as the run's `model/` artifacts (MLmodel + model.dojo).
 */
export async function saveTrainedModel(
  model: Model,
  result: TrainResult,
  path: string | undefined,
  client: TrackingClient | undefined,
  runId: string | undefined,
  ctx: CommandContext,
): Promise<void> {
  const metrics = Object.fromEntries(Object.entries(result).filter((e): e is [string, number] => typeof e[1] === 'number'));
  const meta = { metrics, runId };
  const bytes = path ? await saveModel(model, meta, path) : encodeModel(model, meta);
  if (path) ctx.io.err(`train: saved the model to ${path} (${bytes.length} bytes)`);
  if (client && runId) {
    await logModelArtifacts(client, (await client.getRun(runId)).info, bytes);
    ctx.io.err(`train: logged the model as runs:/${runId}/model`);
  }
}
