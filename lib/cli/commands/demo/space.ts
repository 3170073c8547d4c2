/**
 * The demo's search space, like the book's ch. 12 study: learning rate on a log scale, batch size,
 * network depth and width, optimizer, and training length, plus the book's whole-pipeline stages
 * (issue 10): `missing` (drop rows with a bad feature, or impute the training mean) and `bins` (raw
 * coordinates, or one-hot over 64 or 128 bins). `layers` + `neurons` become num_hidden_neurons (see
 * runtime/src/worker/hparams.ts).
 */
export function demoSpace(rows: number): Record<string, unknown> {
  const batches = [256, 512, 1024, 2048, 4096].filter((b) => b <= Math.max(256, rows / 4));
  return {
    lr: { type: 'float', low: 1e-3, high: 1e-1, log: true },
    batch_size: { type: 'categorical', choices: batches },
    layers: { type: 'int', low: 1, high: 3 },
    neurons: { type: 'int', low: 4, high: 16, step: 4 },
    optimizer: { type: 'categorical', choices: ['Adam', 'SGD'] },
    max_batches: { type: 'int', low: 200, high: 1000, step: 200 },
    missing: { type: 'categorical', choices: ['drop', 'mean'] },
    bins: { type: 'categorical', choices: [0, 64, 128] },
  };
}
