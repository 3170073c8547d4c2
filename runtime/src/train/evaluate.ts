import { openBatches } from '../data';
import type { BadRowPolicy, DType, ReaderStats } from '../data/types';
import type { Collective } from '../collective/collective';
import { forward, type Model } from '../model';
import { allocFloat } from '../model/network';
import { DojoError } from '../../../lib/errors';
import { PreparedReader, Preparer, readerPolicy } from '../prep';
import type { BatchReader } from '../data/types';

/** What evaluating one dataset gave (summed over replicas). */
export interface EvalResult {
  readonly rmse: number;
  readonly rows: number;
  readonly stats: Readonly<ReaderStats>;
  /** Rows the model's `missing = drop` stage dropped (summed over replicas). */
  readonly rowsDropped: number;
}

/** How to read an evaluation dataset. */
export interface EvalSource {
  readonly glob: string;
  /** Which flag or variable named it, for errors. */
  readonly label: string;
  readonly shardSize: number;
  readonly dtype: DType;
  readonly onBadRow: BadRowPolicy;
  readonly s3Endpoint?: string;
}

/**
 * RMSE of the model in evaluation mode over one pass of this replica's shards of a dataset; squared
 * errors and row counts are summed over replicas, so every replica returns the global RMSE.
 */
export async function evaluate(model: Model, src: EvalSource, collective: Collective, signal?: AbortSignal): Promise<EvalResult> {
  const prep = model.prep;
  const raw = await openBatches({
    glob: src.glob,
    rank: collective.rank,
    worldSize: collective.worldSize,
    shardSize: src.shardSize,
    batchSize: model.hparams.batch_size,
    dtype: src.dtype,
    onBadRow: prep ? readerPolicy({ missing: prep.missing ?? undefined }, src.onBadRow) : src.onBadRow,
    cycle: false,
    s3Endpoint: src.s3Endpoint,
  });
  const preparer = prep ? new Preparer(prep, model.dtype, model.hparams.batch_size) : undefined;
  const reader: BatchReader = preparer ? new PreparedReader(raw, preparer) : raw;
  const totals = new Float64Array(4);
  try {
    let out = allocFloat(model.dtype, 0);
    for (let b = await reader.next(); b; b = await reader.next()) {
      signal?.throwIfAborted();
      if (out.length < b.rows) out = allocFloat(model.dtype, b.rows);
      forward(model, b.x, b.rows, out, b.sparse?.index);
      let sse = 0;
      for (let r = 0; r < b.rows; r++) {
        const d = out[r] - b.y[r];
        sse += d * d;
      }
      totals[0] += sse;
      totals[1] += b.rows;
    }
    totals[2] = reader.stats.rowsSkipped;
    totals[3] = preparer?.rowsDropped ?? 0;
  } finally {
    await reader.close();
  }
  if (collective.worldSize > 1) await collective.allreduce(totals, 'sum');
  if (totals[1] === 0) throw new DojoError('BAD_DATA', `${src.label} ${src.glob}: no rows to evaluate on`);
  const rmse = Math.sqrt(totals[0] / totals[1]);
  if (!Number.isFinite(rmse)) throw new DojoError('BAD_DATA', `${src.label} ${src.glob}: the model's RMSE is not finite (training diverged?)`);
  return { rmse, rows: totals[1], stats: { ...reader.stats, rowsSkipped: totals[2] }, rowsDropped: totals[3] };
}
