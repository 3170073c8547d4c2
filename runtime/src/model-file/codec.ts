import { createHash } from 'node:crypto';
import { DojoError } from '../../../lib/errors';
import { FEATURE_NAMES, LABEL_NAME } from '../data/schema';
import type { FloatArray } from '../data/types';
import { createModel, modelLayout, parseHParams, type Model } from '../model';
import { parseFittedPrep } from '../prep/prep';
import {
  CHECKSUM_BYTES, MAX_HEADER_BYTES, MODEL_FORMAT, MODEL_FORMAT_VERSION, MODEL_MAGIC, PREAMBLE_BYTES,
  alignUp, elementBytes, headerSchema, tensorSlots, type ModelHeader, type TensorEntry,
} from './format';

/** What a model file records besides the network itself. */
export interface ModelMeta {
  /** Input feature columns in order. @default the 8 DC-taxi features */
  readonly features?: readonly string[];
  /** @default 'fareamount_double' */
  readonly label?: string;
  /** Training/validation metrics (finite numbers only; others are dropped). @default {} */
  readonly metrics?: Readonly<Record<string, number>>;
  /** @default now */
  readonly created?: Date;
  readonly runId?: string;
  /** The fitted data preparation (issue 10), stored verbatim. @default none */
  readonly preprocessing?: Readonly<Record<string, unknown>>;
}

/** Options of decodeModel. */
export interface DecodeOptions {
  /** Kernel backend of the rebuilt model. @default createModel's default */
  readonly backend?: 'wasm' | 'js';
  /** Rows the forward buffers are sized for. @default 65536 */
  readonly capacityRows?: number;
}

/** A model read from a file: a Model usable by `forward`, and the file's header. */
export interface LoadedModel {
  readonly model: Model;
  readonly header: ModelHeader;
}

const MAGIC_BYTES = new TextEncoder().encode(MODEL_MAGIC);

/** Serialises a model (weights and BatchNorm running statistics) to the model file format. */
export function encodeModel(model: Model, meta: ModelMeta = {}): Uint8Array {
  const { layout, dtype } = model;
  const eb = elementBytes(dtype);
  const slots = tensorSlots(layout);
  const tensors: TensorEntry[] = [];
  let off = 0;
  for (const s of slots) {
    tensors.push({ name: s.name, shape: s.shape, offset: off });
    off = alignUp(off + s.length * eb);
  }
  const features = [...(meta.features ?? FEATURE_NAMES)];
  // The model's own fitted preparation is saved unless the caller gives one explicitly.
  const preprocessing: Readonly<Record<string, unknown>> | undefined = meta.preprocessing ?? (model.prep ? { ...model.prep } : undefined);
  if (!preprocessing && features.length !== layout.dims[0]) {
    throw new DojoError('INTERNAL', `model file: ${features.length} feature names for a model with num_features=${layout.dims[0]}`);
  }
  const metrics = Object.fromEntries(Object.entries(meta.metrics ?? {}).filter(([, v]) => Number.isFinite(v)));
  const header: ModelHeader = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    dtype,
    hparams: { ...model.hparams, num_hidden_neurons: [...model.hparams.num_hidden_neurons] },
    layers: { dims: [...layout.dims], batch_norm: layout.batchNorm },
    features,
    label: meta.label ?? LABEL_NAME,
    metrics,
    created: (meta.created ?? new Date()).toISOString(),
    ...(meta.runId ? { run_id: meta.runId } : {}),
    ...(preprocessing ? { preprocessing } : {}),
    tensors,
    payload_bytes: off,
    checksum: 'sha256',
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = alignUp(PREAMBLE_BYTES + json.length) - PREAMBLE_BYTES;
  const padded = new Uint8Array(headerLen).fill(0x20);
  padded.set(json);
  json = padded;
  const payloadStart = PREAMBLE_BYTES + headerLen;
  const out = new Uint8Array(payloadStart + off + CHECKSUM_BYTES);
  const dv = new DataView(out.buffer);
  out.set(MAGIC_BYTES, 0);
  dv.setUint32(8, headerLen, true);
  out.set(json, PREAMBLE_BYTES);
  slots.forEach((s, i) => {
    const src = s.source === 'params' ? model.params : model.stats;
    writeValues(dv, payloadStart + tensors[i]!.offset, src, s.start, s.length, eb);
  });
  const end = payloadStart + off;
  out.set(createHash('sha256').update(out.subarray(0, end)).digest(), end);
  return out;
}

function writeValues(dv: DataView, at: number, src: FloatArray, start: number, n: number, eb: number): void {
  if (eb === 8) for (let k = 0; k < n; k++) dv.setFloat64(at + 8 * k, src[start + k]!, true);
  else for (let k = 0; k < n; k++) dv.setFloat32(at + 4 * k, src[start + k]!, true);
}

/**
 * Reads a model file's bytes into a Model usable by `forward` (eval mode). `source` names the file
 * in every error. Anything inconsistent is refused with a DojoError, never loaded half-way.
 */
export function decodeModel(bytes: Uint8Array, source: string, opts: DecodeOptions = {}): LoadedModel {
  const bad = (what: string): DojoError => new DojoError('BAD_DATA', `${source}: ${what}`);
  if (bytes.length < PREAMBLE_BYTES || !MAGIC_BYTES.every((b, i) => bytes[i] === b)) {
    throw bad(`not a dojo model file (expected it to start with "${MODEL_MAGIC}"${bytes.length < PREAMBLE_BYTES ? `; it has only ${bytes.length} bytes` : ''})`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getUint32(8, true);
  if (headerLen === 0 || headerLen > MAX_HEADER_BYTES) throw bad(`corrupt model file: header length ${headerLen} is out of range`);
  if (bytes.length < PREAMBLE_BYTES + headerLen) {
    throw bad(`truncated model file: ${bytes.length} bytes, but the header alone needs ${PREAMBLE_BYTES + headerLen}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLen)));
  } catch (e) {
    throw bad(`corrupt model file: the header is not valid JSON (${(e as Error).message})`);
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  if (obj.format !== MODEL_FORMAT) throw bad(`corrupt model file: header format is ${JSON.stringify(obj.format)}, expected "${MODEL_FORMAT}"`);
  if (obj.version !== MODEL_FORMAT_VERSION) {
    throw bad(`model format version ${JSON.stringify(obj.version)} is not supported: this dojo reads version ${MODEL_FORMAT_VERSION}; use a dojo release that writes this version`);
  }
  const payloadStart = PREAMBLE_BYTES + headerLen;
  const payloadBytes = typeof obj.payload_bytes === 'number' && Number.isSafeInteger(obj.payload_bytes) && obj.payload_bytes >= 0 ? obj.payload_bytes : -1;
  if (payloadBytes < 0) throw bad('corrupt model file: header field payload_bytes must be a whole number');
  const expected = payloadStart + payloadBytes + CHECKSUM_BYTES;
  if (bytes.length < expected) throw bad(`truncated model file: ${bytes.length} bytes, expected ${expected}`);
  if (bytes.length > expected) throw bad(`corrupt model file: ${bytes.length - expected} unexpected bytes after the checksum (expected ${expected} bytes)`);
  const end = payloadStart + payloadBytes;
  const digest = createHash('sha256').update(bytes.subarray(0, end)).digest();
  if (!digest.equals(bytes.subarray(end, end + CHECKSUM_BYTES))) {
    throw bad('corrupt model file: SHA-256 checksum mismatch (the file was changed or damaged after it was written)');
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw bad(`invalid model header: ${issue.path.join('.') || 'header'}: ${issue.message}`);
  }
  const h = parsed.data;
  const hparams = parseHParams(h.hparams, `${source}: header`);
  const layout = modelLayout(hparams);
  if (h.layers.dims.join(',') !== layout.dims.join(',') || h.layers.batch_norm !== layout.batchNorm) {
    throw bad(`invalid model header: layers ${JSON.stringify(h.layers)} do not match hparams (dims [${layout.dims.join(', ')}], batch_norm ${layout.batchNorm})`);
  }
  if (!h.preprocessing && h.features.length !== layout.dims[0]) {
    throw bad(`invalid model header: ${h.features.length} feature names for num_features=${layout.dims[0]}`);
  }
  // Only a section this dojo writes is applied; an unknown one is kept opaque (predict refuses it).
  const prep = h.preprocessing && h.preprocessing.kind === 'dojo-prep' ? parseFittedPrep(h.preprocessing, source) : undefined;
  const model = createModel(hparams, h.dtype, { backend: opts.backend, capacityRows: opts.capacityRows ?? 65536, ...(prep ? { prep } : {}) });
  const eb = elementBytes(h.dtype);
  const byName = new Map(h.tensors.map((t) => [t.name, t]));
  const slots = tensorSlots(layout);
  if (byName.size !== h.tensors.length) throw bad('invalid model header: duplicate tensor names');
  // dtype × shapes must give exactly the payload the writer lays out: a header whose dtype was changed
  // (or a payload of another model) would otherwise be read as plausible-looking garbage.
  const offsets: number[] = [];
  let laidOut = 0;
  for (const s of slots) {
    offsets.push(laidOut);
    laidOut = alignUp(laidOut + s.length * eb);
  }
  if (laidOut !== payloadBytes) {
    throw bad(`invalid model header: dtype ${h.dtype} with these tensor shapes makes a ${laidOut}-byte payload, but the file holds ${payloadBytes} bytes (payload_bytes): the header does not describe the data`);
  }
  for (const [i, s] of slots.entries()) {
    const t = byName.get(s.name);
    if (!t) throw bad(`invalid model header: tensor ${s.name} is missing`);
    if (t.shape.join(',') !== s.shape.join(',')) throw bad(`invalid model header: tensor ${s.name} has shape [${t.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
    if (t.offset % eb !== 0 || t.offset + s.length * eb > payloadBytes) throw bad(`invalid model header: tensor ${s.name} at offset ${t.offset} lies outside the ${payloadBytes}-byte payload`);
    if (t.offset !== offsets[i]) throw bad(`invalid model header: tensor ${s.name} at offset ${t.offset}, expected ${offsets[i]!} (tensors in order, each 64-byte aligned, ${eb}-byte ${h.dtype} values)`);
    const dst = s.source === 'params' ? model.params : model.stats;
    const at = payloadStart + t.offset;
    for (let k = 0; k < s.length; k++) {
      const v = eb === 8 ? dv.getFloat64(at + 8 * k, true) : dv.getFloat32(at + 4 * k, true);
      if (!Number.isFinite(v)) throw bad(`tensor ${s.name}[${k}] is ${v}: the model is not usable`);
      dst[s.start + k] = v;
    }
  }
  if (slots.length !== h.tensors.length) {
    const known = new Set(slots.map((s) => s.name));
    throw bad(`invalid model header: unexpected tensor ${h.tensors.find((t) => !known.has(t.name))!.name}`);
  }
  return { model, header: { ...h, hparams } as ModelHeader };
}
