import { DojoError } from '../../../lib/errors';
import type { FloatArray } from '../data/types';
import { forward, type Model } from '../model';
import { allocFloat } from '../model/network';
import type { ModelHeader } from '../model-file/format';
import { badFeatureRules, readPredictBatches } from './csv';
import { Preparer } from '../prep/apply';
import { NUM_FEATURES } from '../data/schema';

/** Options of predictCsv. */
export interface PredictCsvOptions {
  readonly model: Model;
  readonly header: ModelHeader;
  /** Input CSVs: `s3://...`, `file:///...` or a plain path glob. */
  readonly input: string;
  /** Rows per forward call. @default 65536 */
  readonly batchRows?: number;
  /** Receives the predictions CSV text, batch by batch (header line first); omitted = not written. */
  readonly write?: (text: string) => void | Promise<void>;
  readonly s3Endpoint?: string;
  /** Progress after every batch. */
  readonly onProgress?: (rows: number, seconds: number) => void;
}

/** What a prediction pass did. */
export interface PredictSummary {
  readonly rows: number;
  readonly files: number;
  /** Root-mean-square error against the label column, when the inputs have one. */
  readonly rmse?: number;
  readonly seconds: number;
  /** Rows per second end to end (reading, parsing, forward, writing). */
  readonly rows_per_sec: number;
  /** Rows per second of the forward passes alone. */
  readonly forward_rows_per_sec: number;
  readonly dtype: string;
  /** Bad feature values replaced by the saved training mean: models trained with missing=mean only. */
  readonly values_imputed?: number;
}

/** The CSV column name of the predictions. */
export const PREDICTION_COLUMN = 'prediction';

/**
 * Formats predictions one per line. float32 values are written with 9 significant digits, which
 * reads back to the same float32; float64 values with the shortest text that reads back exactly.
 */
export function formatPredictions(y: FloatArray, rows: number): string {
  const parts = new Array<string>(rows);
  if (y instanceof Float32Array) for (let i = 0; i < rows; i++) parts[i] = String(Number(y[i]!.toPrecision(9)));
  else for (let i = 0; i < rows; i++) parts[i] = String(y[i]!);
  return parts.join('\n');
}

/**
 * Runs the model (eval mode, the training forward kernels) over every row of the input CSVs, in
 * file and row order: writes the predictions CSV through `write` and returns throughput and, when
 * the inputs carry labels, the RMSE.
 */
export async function predictCsv(o: PredictCsvOptions): Promise<PredictSummary> {
  const batchRows = o.batchRows ?? 65536;
  const { model, header } = o;
  const nf = model.layout.dims[0]!;
  const prep = model.prep;
  if ((header.preprocessing && !prep) || (!prep && header.features.length !== nf)) {
    // Never feed raw columns to a network trained on prepared ones.
    throw new DojoError('USAGE', `this model has a data-preparation stage (preprocessing: ${JSON.stringify(Object.keys(header.preprocessing ?? {}))}) that dojo predict cannot apply yet (not a dojo-prep section)`);
  }
  // The raw columns as training read them: the fitted preparation then maps them to the network's inputs.
  const rawWidth = prep ? NUM_FEATURES : nf;
  const preparer = prep ? new Preparer(prep, model.dtype, batchRows) : undefined;
  const noLabels = prep ? new Float64Array(batchRows) : undefined;
  const x32 = model.dtype === 'float32' ? new Float32Array(batchRows * rawWidth) : undefined;
  const out = allocFloat(model.dtype, batchRows);
  let rows = 0;
  let files = 0;
  let sse = 0;
  let labelled = false;
  let forwardMs = 0;
  let imputed = 0;
  const t0 = performance.now();
  if (o.write) await o.write(PREDICTION_COLUMN);
  const batches = readPredictBatches(o.input, {
    features: header.features,
    label: header.label,
    batchRows,
    s3Endpoint: o.s3Endpoint,
    ...badFeatureRules(prep?.missing),
    onFile: (_name, hasLabel) => {
      files++;
      labelled = hasLabel;
    },
  });
  for await (const b of batches) {
    let x: FloatArray = b.x;
    if (x32) {
      x32.set(b.rows === batchRows ? b.x : b.x.subarray(0, b.rows * rawWidth));
      x = x32;
    }
    let hot: Int32Array | undefined;
    if (preparer) {
      // The reader refuses bad values unless this preparation imputes them: no row is dropped, outputs stay aligned with inputs.
      const p = preparer.apply({ x, y: b.y ?? noLabels!, rows: b.rows, numFeatures: rawWidth });
      if (p.rows !== b.rows) throw new DojoError('INTERNAL', `predict: the preparation dropped ${b.rows - p.rows} rows`);
      x = p.x;
      hot = p.sparse?.index;
    }
    const tf = performance.now();
    forward(model, x, b.rows, out, hot);
    forwardMs += performance.now() - tf;
    if (b.y) {
      for (let i = 0; i < b.rows; i++) {
        const e = out[i]! - b.y[i]!;
        sse += e * e;
      }
    }
    rows += b.rows;
    imputed += b.marked;
    if (o.write) await o.write(formatPredictions(out, b.rows));
    o.onProgress?.(rows, (performance.now() - t0) / 1000);
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    rows,
    files,
    ...(labelled && rows > 0 ? { rmse: Math.sqrt(sse / rows) } : {}),
    seconds,
    rows_per_sec: seconds > 0 ? rows / seconds : 0,
    forward_rows_per_sec: forwardMs > 0 ? rows / (forwardMs / 1000) : 0,
    dtype: model.dtype,
    ...(prep?.missing === 'mean' ? { values_imputed: imputed } : {}),
  };
}
