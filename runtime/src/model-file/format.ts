import { z } from 'zod';
import type { DType } from '../data/types';
import type { HParams } from '../model/hparams';
import type { ModelLayout } from '../model/layout';

/**
 * The dojo model file, version 1 (documented in README "Models"). All integers little-endian.
 *
 * ```
 * offset  size  content
 * 0       8     magic "DOJOMDL1"
 * 8       4     u32 H: byte length of the header
 * 12      H     header: UTF-8 JSON (ModelHeader), space-padded so that 12 + H is a multiple of 64
 * P=12+H  N     payload: each tensor at P + tensor.offset (64-byte aligned), little-endian
 *               IEEE-754 values of the header's dtype, row-major; N = header.payload_bytes
 * P+N     32    SHA-256 of bytes [0, P+N)
 * ```
 * A reader checks, in this order: magic, header length, JSON, `format`, `version`, total size
 * (truncation), checksum, header fields, tensor names/shapes against the layout implied by the
 * hyperparameters, finite values.
 */
export const MODEL_MAGIC = 'DOJOMDL1';
/** The `format` field of every header. */
export const MODEL_FORMAT = 'dojo-model';
/** The format version this code writes and reads. */
export const MODEL_FORMAT_VERSION = 1;
/** Alignment of the payload start and of every tensor, in bytes. */
export const MODEL_ALIGN = 64;
/** Bytes of the trailing SHA-256. */
export const CHECKSUM_BYTES = 32;
/** Bytes before the header: magic + u32 length. */
export const PREAMBLE_BYTES = 12;
/** A header larger than this is refused before parsing (a corrupt length field). */
export const MAX_HEADER_BYTES = 16 << 20;

/** One tensor of the payload. */
export interface TensorEntry {
  /** PyTorch-style name, e.g. `linears.0.weight`, `linears.1.bn.running_var`. */
  readonly name: string;
  /** Row-major shape; Linear weights are `[out, in]` like PyTorch's. */
  readonly shape: readonly number[];
  /** Byte offset from the payload start. */
  readonly offset: number;
}

/** The JSON header of a model file (format version 1). */
export interface ModelHeader {
  readonly format: typeof MODEL_FORMAT;
  readonly version: typeof MODEL_FORMAT_VERSION;
  readonly dtype: DType;
  readonly hparams: HParams;
  /** Layer widths `[num_features, ...num_hidden_neurons, 1]` and whether BatchNorm precedes every Linear. */
  readonly layers: { readonly dims: readonly number[]; readonly batch_norm: boolean };
  /** Input CSV feature columns, in order. */
  readonly features: readonly string[];
  /** The label column a CSV may carry before the features. */
  readonly label: string;
  readonly metrics: Readonly<Record<string, number>>;
  /** ISO-8601 time the file was written. */
  readonly created: string;
  /** The tracking run that trained it, when there was one. */
  readonly run_id?: string;
  /**
   * The fitted data preparation (imputation means, scaling statistics, bin edges) that predict
   * applies before the network; absent or null = raw features. Opaque to this module.
   */
  readonly preprocessing?: Readonly<Record<string, unknown>> | null;
  readonly tensors: readonly TensorEntry[];
  readonly payload_bytes: number;
  readonly checksum: 'sha256';
}

const finiteMetric = z.number().refine(Number.isFinite, 'must be a finite number');
const whole = z.number().int().min(0);

/** Structural schema of the header (version 1); semantics are checked against the layout afterwards. */
export const headerSchema = z
  .object({
    format: z.literal(MODEL_FORMAT),
    version: z.literal(MODEL_FORMAT_VERSION),
    dtype: z.enum(['float32', 'float64']),
    hparams: z.record(z.string(), z.unknown()),
    layers: z.object({ dims: z.array(whole.min(1)).min(2), batch_norm: z.boolean() }),
    features: z.array(z.string().min(1)).min(1),
    label: z.string().min(1),
    metrics: z.record(z.string(), finiteMetric),
    created: z.string(),
    run_id: z.string().optional(),
    preprocessing: z.record(z.string(), z.unknown()).nullable().optional(),
    tensors: z.array(z.object({ name: z.string().min(1), shape: z.array(whole), offset: whole })),
    payload_bytes: whole,
    checksum: z.literal('sha256'),
  })
  .strict();

/** Which flat array a tensor lives in, where, and its shape. */
export interface TensorSlot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly source: 'params' | 'stats';
  /** Element offset in `params` or `stats`. */
  readonly start: number;
  readonly length: number;
}

/**
 * The tensors of a model in file order: for each Linear l, `[linears.l.bn.weight, linears.l.bn.bias,]
 * linears.l.weight, linears.l.bias` (PyTorch's named_parameters order), then the BatchNorm running
 * statistics `linears.l.bn.running_mean, linears.l.bn.running_var`.
 */
export function tensorSlots(layout: ModelLayout): TensorSlot[] {
  const out: TensorSlot[] = [];
  const push = (name: string, shape: number[], source: 'params' | 'stats', start: number): void => {
    out.push({ name, shape, source, start, length: shape.reduce((a, b) => a * b, 1) });
  };
  layout.linears.forEach((s, l) => {
    if (layout.batchNorm) {
      push(`linears.${l}.bn.weight`, [s.in], 'params', s.gamma);
      push(`linears.${l}.bn.bias`, [s.in], 'params', s.beta);
    }
    push(`linears.${l}.weight`, [s.out, s.in], 'params', s.weight);
    push(`linears.${l}.bias`, [s.out], 'params', s.bias);
  });
  if (layout.batchNorm) {
    layout.linears.forEach((s, l) => {
      push(`linears.${l}.bn.running_mean`, [s.in], 'stats', s.runningMean);
      push(`linears.${l}.bn.running_var`, [s.in], 'stats', s.runningVar);
    });
  }
  return out;
}

/** Bytes per element of a dtype. */
export function elementBytes(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}

/** Rounds n up to a multiple of MODEL_ALIGN. */
export function alignUp(n: number): number {
  return Math.ceil(n / MODEL_ALIGN) * MODEL_ALIGN;
}
