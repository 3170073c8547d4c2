import type { ReaderStats } from '../data/types';
import type { Collective } from '../collective/collective';
import { forward, type Model } from '../model';
import { allocFloat } from '../model/network';
import { DojoError } from '../../../lib/errors';
import { Preparer, readerPolicy } from '../prep';
import type { BadRowPolicy, BatchReader } from '../data/types';
import type { TrainData } from './data';

/** What evaluating one dataset gave (summed over replicas). */
export interface EvalResult {
  readonly rmse: number;
  readonly rows: number;
  readonly stats: Readonly<ReaderStats>;
  /** Rows the model's `missing = drop` stage dropped (summed over replicas). */
  readonly rowsDropped: number;
}

/**
 * Evaluates one model on one dataset as often as asked: RMSE in evaluation mode over one pass of
 * this replica's shards, squared errors and row counts summed over replicas (every replica gets the
 * global RMSE). Buffers (predictions, the preparation's, in-memory batches) are made once, so an
 * evaluation on in-memory data allocates no buffer; streamed data is opened again for every pass.
 */
export class Evaluator {
  /** Seconds spent opening and reading (and preparing) batches, over all evaluations so far. */
  dataSeconds = 0;
  /** Seconds spent in all evaluations so far (including dataSeconds). */
  seconds = 0;
  private reader: BatchReader | undefined;
  private readonly preparer: Preparer | undefined;
  private out;
  private readonly totals = new Float64Array(4);
  private readonly policy: BadRowPolicy;

  constructor(
    private readonly model: Model,
    private readonly data: TrainData,
    private readonly role: 'val' | 'test',
    onBadRow: BadRowPolicy,
    private readonly collective: Collective,
  ) {
    const prep = model.prep;
    this.policy = prep ? readerPolicy({ missing: prep.missing ?? undefined }, onBadRow) : onBadRow;
    this.preparer = prep ? new Preparer(prep, model.dtype, model.hparams.batch_size) : undefined;
    this.out = allocFloat(model.dtype, model.hparams.batch_size);
  }

  /** One evaluation pass. */
  async run(signal?: AbortSignal): Promise<EvalResult> {
    const t0 = performance.now();
    const { model, collective, totals, preparer } = this;
    if (preparer) preparer.rowsDropped = 0;
    const reader = await this.openPass(signal);
    totals.fill(0);
    let dataSeconds = performance.now() - t0;
    let batches = 0;
    try {
      for (;;) {
        const d0 = performance.now();
        const b = await reader.next();
        dataSeconds += performance.now() - d0;
        if (!b) break;
        signal?.throwIfAborted();
        if (this.out.length < b.rows) this.out = allocFloat(model.dtype, b.rows);
        const out = this.out;
        // Nothing trains during a pass: after its first batch the network may reuse its folded tables.
        forward(model, b.x, b.rows, out, b.sparse?.index, batches++ > 0);
        let sse = 0;
        for (let r = 0; r < b.rows; r++) {
          const d = out[r]! - b.y[r]!;
          sse += d * d;
        }
        totals[0] += sse;
        totals[1] += b.rows;
      }
      totals[2] = reader.stats.rowsSkipped;
      totals[3] = preparer?.rowsDropped ?? 0;
    } finally {
      if (!reader.rewind) await reader.close();
    }
    const stats = { ...reader.stats };
    if (collective.worldSize > 1) await collective.allreduce(totals, 'sum');
    this.dataSeconds += dataSeconds / 1000;
    this.seconds += (performance.now() - t0) / 1000;
    const label = this.data.label(this.role);
    if (totals[1] === 0) throw new DojoError('BAD_DATA', `${label}: no rows to evaluate on`);
    const rmse = Math.sqrt(totals[0] / totals[1]);
    if (!Number.isFinite(rmse)) throw new DojoError('BAD_DATA', `${label}: the model's RMSE is not finite (training diverged?)`);
    return { rmse, rows: totals[1], stats: { ...stats, rowsSkipped: totals[2] }, rowsDropped: totals[3] };
  }

  /** Releases the kept reader. */
  async close(): Promise<void> {
    const r = this.reader;
    this.reader = undefined;
    await r?.close();
  }

  private async openPass(signal?: AbortSignal): Promise<BatchReader> {
    if (this.reader?.rewind) {
      this.reader.rewind();
      return this.reader;
    }
    const o = { rank: this.collective.rank, worldSize: this.collective.worldSize, batchSize: this.model.hparams.batch_size, policy: this.policy, cycle: false };
    const r = await this.data.open(this.role, o, signal, this.preparer);
    if (r.rewind) this.reader = r;
    return r;
  }
}
