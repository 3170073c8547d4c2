import { DojoError } from '../../../lib/errors';
import type { Batch, FloatArray } from '../data/types';
import { soloCollective, type Collective } from '../collective/collective';
import { clipGradNorm } from '../optim';
import { CLIP_NORM, type Model } from '../model';
import { allocFloat } from '../model/network';

/** What one optimisation step measured. */
export interface StepResult {
  /** Sum of squared errors (before the update) and rows of the step's batches, summed over replicas. */
  readonly sse: number;
  readonly rows: number;
  /** Global gradient norm before clipping (after the allreduce). */
  readonly gradNorm: number;
}

/** Per model: the gradients plus 4 loss words, so one allreduce per step carries both. */
const packed = new WeakMap<Model, FloatArray>();

/** A row count as (multiple of 4096, remainder): float32 sums of either part are exact (see below). */
export function countParts(rows: number): [number, number] {
  const low = rows % 4096;
  return [rows - low, low];
}

/**
 * Averages the gradients over replicas and sums the loss and row count in the same allreduce (one
 * round trip per step instead of two), in the gradients' dtype. The loss travels as hi + lo (hi
 * rounded to the dtype): a float32 model's summed loss keeps float32 precision (~7 digits, what its
 * float32 activations give anyway). The row count travels as multiples of 4096 and the remainder,
 * two sums that stay exact in float32 for any batch size and up to 1024 replicas.
 */
async function reduceGradsAndLoss(model: Model, sse: number, rows: number, collective: Collective): Promise<[number, number]> {
  const g = model.grads;
  const n = g.length;
  let buf = packed.get(model);
  if (!buf || buf.length !== n + 4) {
    buf = allocFloat(model.dtype, n + 4);
    packed.set(model, buf);
  }
  buf.set(g);
  buf[n] = sse;
  buf[n + 1] = sse - buf[n];
  [buf[n + 2], buf[n + 3]] = countParts(rows);
  await collective.allreduce(buf, 'sum');
  const w = collective.worldSize;
  // As the collective's 'mean' does it: the sum, then one division.
  for (let k = 0; k < n; k++) g[k] = buf[k] / w;
  return [buf[n] + buf[n + 1], buf[n + 2] + buf[n + 3]];
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
  let sse = model.network.lossAndGrad(batch.x, batch.y, batch.rows, batch.sparse?.index);
  let rows = batch.rows;
  if (collective.worldSize > 1) [sse, rows] = await reduceGradsAndLoss(model, sse, rows, collective);
  const gradNorm = clipGradNorm(model.grads, CLIP_NORM);
  if (!Number.isFinite(sse) || !Number.isFinite(gradNorm)) {
    throw new DojoError(
      'BAD_DATA',
      `training diverged at step ${model.optimizer.steps + 1}: ${Number.isFinite(sse) ? 'gradient norm' : 'loss'} is not finite; lower hparams.lr or check the data`,
    );
  }
  model.optimizer.step(model.params, model.grads);
  return { sse, rows, gradNorm };
}
