import { createHash } from 'node:crypto';
import type { DType } from '../../../runtime/src/data/types';
import { createModel, parseHParams, type Model } from '../../../runtime/src/model';
import { trainStep } from '../../../runtime/src/train/step';

/** Deterministic DC-taxi-like features (row-major [rows, 8]) and labels. */
export function fakeData(rows: number, dtype: DType, seed = 7): { x: Float32Array | Float64Array; y: Float32Array | Float64Array } {
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  const x = new Arr(rows * 8);
  const y = new Arr(rows);
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let r = 0; r < rows; r++) {
    const f = [38.82 + 0.15 * u(), -77.11 + 0.19 * u(), 38.82 + 0.15 * u(), -77.11 + 0.19 * u(), 2015 + Math.floor(5 * u()), 1 + Math.floor(12 * u()), 1 + Math.floor(7 * u()), Math.floor(24 * u())];
    x.set(f, r * 8);
    y[r] = 3.25 + 150 * (Math.abs(f[0]! - f[2]!) + Math.abs(f[1]! - f[3]!)) + u();
  }
  return { x, y };
}

/** A model trained for a few steps so weights and BatchNorm running statistics are far from init. */
export async function trainedModel(dtype: DType, bn: 0 | 1, hidden: number[] = [7, 11, 13], backend?: 'wasm' | 'js'): Promise<Model> {
  const hp = parseHParams({ num_hidden_neurons: hidden, batch_norm_linear_layers: bn, batch_size: 256, lr: 0.01, seed: 42 });
  const model = createModel(hp, dtype, { backend, capacityRows: 256 });
  const { x, y } = fakeData(256, dtype);
  for (let i = 0; i < 5; i++) await trainStep(model, { x, y, rows: 256, numFeatures: 8 });
  return model;
}

/** Replaces the trailing SHA-256 so that an edited file passes the checksum (to reach later checks). */
export function reseal(bytes: Uint8Array): Uint8Array {
  const end = bytes.length - 32;
  bytes.set(createHash('sha256').update(bytes.subarray(0, end)).digest(), end);
  return bytes;
}

/** Rewrites the JSON header (same padded length) and reseals the file. */
export function editHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const out = bytes.slice();
  const len = new DataView(out.buffer).getUint32(8, true);
  const h = JSON.parse(new TextDecoder().decode(out.subarray(12, 12 + len))) as Record<string, unknown>;
  edit(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  if (json.length > len) throw new Error('edited header does not fit');
  out.fill(0x20, 12, 12 + len);
  out.set(json, 12);
  return reseal(out);
}
