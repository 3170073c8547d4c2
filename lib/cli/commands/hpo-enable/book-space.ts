// The search space of the book's HPO service (ch. 12, `hpo.py`: class DcTaxiHpoService), which
// `dojo hpo enable` uses when no --space is given: the book's HPO image defines its space in Python
// code, so its `kaen hpo enable --image ... --service-name DcTaxiHpoService` names no space file.
import type { ParamSpec, SearchSpace } from '../../../hpo/space';

/** The book's HPO service class (`--service-name`) whose space is built in. */
export const BOOK_SERVICE_NAME = 'DcTaxiHpoService';

/** The book's module of that class (`--service-prefix`: hpo.py). */
export const BOOK_SERVICE_PREFIX = 'hpo';

/** How job inspect and messages name the built-in space (it has no file). */
export const BOOK_SPACE_SOURCE = `${BOOK_SERVICE_PREFIX}.${BOOK_SERVICE_NAME} (built in, from the book)`;

// suggest_categorical('num_layers', [11, 13, 17, 19]): the most hidden layers a trial can have.
const LAYER_COUNTS = [11, 13, 17, 19] as const;
const MAX_LAYERS = Math.max(...LAYER_COUNTS);

/**
 * DcTaxiHpoService.hparams() as a flat dojo space. The book's per-layer widths
 * `num_hidden_layer_<i>_neurons` are dojo's `num_neurons_l<i>` (one for each layer the largest
 * layer count can have; a trial with fewer layers leaves the rest unused), and its
 * `suggest_loguniform`/`suggest_int(log=True)` are `log: true`; the ranges are the book's:
 * seed 0..int32 max - 1, optimizer Adam, lr 0.001..0.1 (log), num_layers 11|13|17|19, widths
 * 7|11|13|19|23, batch_size 2^16..2^21, max_batches 40..400 (log).
 */
export function bookSpace(): SearchSpace {
  const widths: Record<string, ParamSpec> = {};
  for (let i = 0; i < MAX_LAYERS; i++) widths[`num_neurons_l${i}`] = { type: 'categorical', choices: [7, 11, 13, 19, 23] };
  return {
    seed: { type: 'int', low: 0, high: 2 ** 31 - 2 },
    optimizer: { type: 'categorical', choices: ['Adam'] },
    lr: { type: 'float', low: 0.001, high: 0.1, log: true },
    num_layers: { type: 'categorical', choices: [...LAYER_COUNTS] },
    ...widths,
    batch_size: { type: 'categorical', choices: [16, 17, 18, 19, 20, 21].map((i) => 2 ** i) },
    max_batches: { type: 'int', low: 40, high: 400, log: true },
  };
}
