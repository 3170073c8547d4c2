import { DojoError } from '../../../lib/errors';
import type { Batch } from '../data/types';
import { soloCollective, type Collective } from '../dist/collective';
import { clipGradNorm } from '../optim';
import { CLIP_NORM, type Model } from '../model';

/** What one optimisation step measured. */
export interface StepResult {
  /** Sum of squared errors of this replica's batch (before the update). */
  readonly sse: number;
  readonly rows: number;
  /** Global gradient norm before clipping (after the allreduce). */
  readonly gradNorm: number;
}

/**
 * One training step as the book's DDP loop did it: forward + backward on this replica's batch,
 * gradients averaged over replicas (one allreduce of the flat gradient array), clipped to global
 * norm 0.5, then the optimizer step. Throws instead of stepping on a non-finite loss or gradient.
 */
export async function trainStep(model: Model, batch: Batch, collective: Collective = soloCollective): Promise<StepResult> {
  const nf = model.layout.dims[0];
  if (batch.numFeatures !== nf) {
    throw new DojoError('BAD_DATA', `batch has ${batch.numFeatures} features but the model expects num_features=${nf}`);
  }
  if (!batch.sparse !== !model.layout.sparse) {
    throw new DojoError('INTERNAL', `batch is ${batch.sparse ? 'sparse' : 'dense'} but the model takes ${model.layout.sparse ? 'sparse one-hot' : 'dense'} inputs`);
  }
  const sse = model.network.lossAndGrad(batch.x, batch.y, batch.rows, batch.sparse?.index);
  if (collective.worldSize > 1) await collective.allreduce(model.grads, 'mean');
  const gradNorm = clipGradNorm(model.grads, CLIP_NORM);
  if (!Number.isFinite(sse) || !Number.isFinite(gradNorm)) {
    throw new DojoError(
      'BAD_DATA',
      `training diverged at step ${model.optimizer.steps + 1}: ${Number.isFinite(sse) ? 'gradient norm' : 'loss'} is not finite; lower hparams.lr or check the data`,
    );
  }
  model.optimizer.step(model.params, model.grads);
  return { sse, rows: batch.rows, gradNorm };
}
