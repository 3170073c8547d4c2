// The fare model's default hyperparameters, light enough for a command's --help (no zod).
import type { HParams } from './hparams';

/** The book's defaults (MLOps Engineering at Scale, ch. 12). */
export const DEFAULT_HPARAMS: HParams = Object.freeze({
  seed: 1686523060,
  num_features: 8,
  num_hidden_neurons: Object.freeze([3, 5, 8]),
  batch_norm_linear_layers: 1,
  optimizer: 'Adam',
  lr: 0.03,
  batch_size: 2 ** 18,
  max_batches: 1,
});
