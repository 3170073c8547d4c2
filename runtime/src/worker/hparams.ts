// How a trial's flat HPO parameters become the fare model's hyperparameters. The search space is
// flat (DESIGN.md), so the list-valued num_hidden_neurons is spelled with scalar keys:
//   layers (or num_layers) + neurons (or num_neurons): `layers` hidden layers of `neurons` each;
//   layers + neurons_l0, neurons_l1, ... (or num_neurons_l0...): one width per layer (missing
//     widths fall back to `neurons`);
//   num_hidden_neurons as a categorical string such as "[7, 11, 13]".
// Every other key must be a hyperparameter name (lr, batch_size, optimizer, max_batches, seed,
// batch_norm_linear_layers, and the feature stages missing, bins, scale); a suggestion overrides the
// default of that name.
import { DojoError } from '../../../lib/errors';

/** Hyperparameter names a trial may set directly. */
export const DIRECT_HPARAMS = ['lr', 'batch_size', 'optimizer', 'max_batches', 'seed', 'batch_norm_linear_layers', 'num_features', 'missing', 'bins', 'scale'] as const;

const LAYER_KEYS = new Set(['layers', 'num_layers', 'neurons', 'num_neurons', 'num_hidden_neurons']);
const PER_LAYER = /^(?:num_)?neurons_l(\d+)$/;

/** What a trial parameter sets: a hyperparameter directly, the number of hidden layers, every layer's width, one layer's width, the whole list, or nothing known. */
export type TrialParamRole = 'direct' | 'layers' | 'width' | 'layer-width' | 'list' | undefined;

/** The role of a key of a trial's params (see the mapping above). */
export function trialParamRole(key: string): TrialParamRole {
  if ((DIRECT_HPARAMS as readonly string[]).includes(key)) return 'direct';
  if (key === 'layers' || key === 'num_layers') return 'layers';
  if (key === 'neurons' || key === 'num_neurons') return 'width';
  if (key === 'num_hidden_neurons') return 'list';
  return PER_LAYER.test(key) ? 'layer-width' : undefined;
}

function wholeNumber(key: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new DojoError('USAGE', `hyperparameter ${key}: must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Maps a trial's params to a partial hyperparameter object (to merge over the defaults). */
export function trialHParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if ((DIRECT_HPARAMS as readonly string[]).includes(k)) {
      out[k] = k === 'batch_norm_linear_layers' && typeof v === 'boolean' ? (v ? 1 : 0) : v;
    } else if (!LAYER_KEYS.has(k) && !PER_LAYER.test(k)) {
      throw new DojoError('USAGE', `hyperparameter ${k}: unknown (use ${DIRECT_HPARAMS.join(', ')}, layers, neurons, neurons_l<i> or num_hidden_neurons)`);
    }
  }
  if (params.num_hidden_neurons !== undefined) {
    const raw = params.num_hidden_neurons;
    let list: unknown;
    try {
      list = typeof raw === 'string' ? JSON.parse(raw) : raw;
    } catch {
      throw new DojoError('USAGE', `hyperparameter num_hidden_neurons: must be a JSON list like "[7, 11, 13]", got ${JSON.stringify(raw)}`);
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw new DojoError('USAGE', `hyperparameter num_hidden_neurons: must be a non-empty list, got ${JSON.stringify(raw)}`);
    }
    out.num_hidden_neurons = list.map((n, i) => wholeNumber(`num_hidden_neurons[${i}]`, n, 1));
    return out;
  }
  const layersKey = params.layers !== undefined ? 'layers' : params.num_layers !== undefined ? 'num_layers' : undefined;
  const neuronsKey = params.neurons !== undefined ? 'neurons' : params.num_neurons !== undefined ? 'num_neurons' : undefined;
  const perLayer = new Map<number, number>();
  for (const [k, v] of Object.entries(params)) {
    const m = PER_LAYER.exec(k);
    if (m) perLayer.set(Number(m[1]), wholeNumber(k, v, 1));
  }
  if (layersKey === undefined && neuronsKey === undefined && perLayer.size === 0) return out;
  const layers = layersKey ? wholeNumber(layersKey, params[layersKey], 1) : Math.max(...perLayer.keys()) + 1;
  const neurons = neuronsKey ? wholeNumber(neuronsKey, params[neuronsKey], 1) : undefined;
  const widths: number[] = [];
  for (let i = 0; i < layers; i++) {
    const w = perLayer.get(i) ?? neurons;
    if (w === undefined) throw new DojoError('USAGE', `hyperparameter neurons_l${i}: missing (layer ${i} of ${layers} has no width; add neurons or neurons_l${i})`);
    widths.push(w);
  }
  out.num_hidden_neurons = widths;
  return out;
}
