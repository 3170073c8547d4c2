import { readFile } from 'node:fs/promises';
import { DojoError } from '../../../errors';
import { TrackingClient } from '../../../tracking/client';
import { MetricLogger } from '../../../tracking/metric-logger';
import { datasetInputs } from '../../../../runtime/src/data/dataset-inputs';
import type { BadRowPolicy, DType } from '../../../../runtime/src/data/types';
import { collectiveFromEnv, launchReplicas } from '../../../../runtime/src/collective';
import { parseHParams, train, type HParams, type TrainResult } from '../../../../runtime/src/train';
import { refuseOverwrite } from '../../overwrite';
import type { CommandContext, CommandHandler } from '../../spec';
import { formatProgress, formatTrainResult } from './format';
import { saveTrainedModel } from './save-model';

/** Options of `dojo train` as commander parses them. */
export interface TrainCommandOptions {
  train: string;
  val: string;
  test?: string;
  hparams?: string;
  dtype: DType;
  onBadRow: BadRowPolicy;
  tracking?: string;
  replicas: number;
  shardSize: number;
  save?: string;
}

/** Reads --hparams: inline JSON (starts with `{`) or a JSON file. */
export async function readHParams(value: string | undefined): Promise<HParams> {
  if (value === undefined) return parseHParams({}, '--hparams');
  if (value.trim().startsWith('{')) return parseHParams(value, '--hparams');
  const text = await readFile(value, 'utf8').catch((e: NodeJS.ErrnoException) => {
    const kind = jsonKind(value);
    if (kind) throw new DojoError('USAGE', `--hparams: must be a JSON object such as '{"lr": 0.01, "batch_size": 512}' (or a file holding one), got ${kind}`);
    throw new DojoError('USAGE', `--hparams ${value}: neither a JSON object nor a readable file (${e.code ?? e.message})`);
  });
  return parseHParams(text, `--hparams ${value}`);
}

/** "a JSON array" etc. when text is JSON but not an object, else undefined. */
function jsonKind(text: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Array.isArray(v) ? 'a JSON array' : v === null ? 'JSON null' : `a JSON ${typeof v}`;
}

/** Params logged to tracking: the hyperparameters and how the data was read. */
function runParams(hp: HParams, o: TrainCommandOptions, worldSize: number): { key: string; value: string }[] {
  const p: Record<string, string> = {
    ...Object.fromEntries(Object.entries(hp).map(([k, v]) => [k, Array.isArray(v) ? JSON.stringify(v) : String(v)])),
    dtype: o.dtype, on_bad_row: o.onBadRow, replicas: String(worldSize), shard_size: String(o.shardSize),
    train_glob: o.train, val_glob: o.val, ...(o.test ? { test_glob: o.test } : {}),
  };
  return Object.entries(p).map(([key, value]) => ({ key, value }));
}

/** Runs `dojo train`: one process, or R local replicas (`--replicas`), or one replica of them (DOJO_RANK set). */
export const handler: CommandHandler<TrainCommandOptions> = async (_args, opts, ctx) => {
  const hparams = await readHParams(opts.hparams);
  if (opts.save) {
    await refuseOverwrite({ flag: '--save', path: opts.save }, [
      { flag: '--train', value: opts.train }, { flag: '--val', value: opts.val }, ...(opts.test ? [{ flag: '--test', value: opts.test }] : []),
    ]);
  }
  if (opts.replicas > 1 && ctx.io.env.DOJO_RANK === undefined) return launchReplicas(opts.replicas, process.argv.slice(2), ctx.io);
  const collective = await collectiveFromEnv(ctx.io.env);
  try {
    return await trainOnce(hparams, opts, ctx, collective);
  } finally {
    await collective.close();
  }
};

async function trainOnce(hparams: HParams, opts: TrainCommandOptions, ctx: CommandContext, collective: Awaited<ReturnType<typeof collectiveFromEnv>>): Promise<number> {
  const rank0 = collective.rank === 0;
  const trackingUri = rank0 ? opts.tracking : undefined;
  let client: TrackingClient | undefined;
  let runId: string | undefined;
  let logger: MetricLogger | undefined;
  if (trackingUri) {
    client = new TrackingClient(trackingUri);
    const experimentId = await client.getOrCreateExperiment('dojo-train');
    const run = await client.createRun({ experimentId, runName: `train-${new Date().toISOString().slice(0, 19)}`, tags: { 'dojo.command': 'train' } });
    runId = run.info.run_id;
    await client.logBatch(runId, { params: runParams(hparams, opts, collective.worldSize) });
    const inputs = await datasetInputs({ train: opts.train, val: opts.val, ...(opts.test ? { test: opts.test } : {}) });
    await client.logInputs(runId, inputs).catch((e: Error) => ctx.io.err(`train: datasets not logged to the run (${e.message})`));
    logger = new MetricLogger(client, runId, { onWarning: (m) => ctx.io.err(`tracking: ${m}`) });
    ctx.io.err(`train: tracking run ${runId} at ${trackingUri}`);
  }
  let lastLine = 0;
  let result: TrainResult;
  try {
    result = await train({
      hparams,
      train: opts.train,
      val: opts.val,
      test: opts.test,
      dtype: opts.dtype,
      onBadRow: opts.onBadRow,
      shardSize: opts.shardSize,
      collective,
      onTrained: opts.save || client ? (model, r) => saveTrainedModel(model, r, opts.save, client, runId, ctx) : undefined,
      onMetrics: logger ? (step, metrics) => { for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) logger.log(k, v, step); } : undefined,
      onProgress: (p) => {
        if (ctx.io.isTTY) return ctx.io.status(formatProgress(p, 24));
        const now = performance.now();
        if (p.phase !== 'train' || p.step === 1 || p.step === p.steps || now - lastLine >= 2000) {
          lastLine = now;
          ctx.io.err(formatProgress(p));
        }
      },
    });
  } catch (e) {
    if (client && runId) {
      await logger?.close().catch(() => undefined);
      await client.updateRun(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
    }
    throw e;
  }
  if (!rank0) return 0;
  if (result.rows_skipped > 0) {
    ctx.io.err(`train: skipped ${result.rows_skipped} bad rows (${hparams.missing ? 'a bad label or column count: never kept' : '--on-bad-row skip'})`);
  }
  if (result.rows_dropped) ctx.io.err(`train: dropped ${result.rows_dropped} rows with a bad feature (hparams.missing drop)`);
  if (result.values_imputed) ctx.io.err(`train: imputed ${result.values_imputed} bad feature values with the training means (hparams.missing mean)`);
  if (client && runId && logger) {
    // train() logged the losses, rows/s and val/test RMSE per step already; add the run-level figures.
    for (const k of ['end_to_end_rows_per_sec', 'parse_mb_per_sec', 'seconds'] as const) logger.log(k, result[k], result.steps);
    await logger.close();
    await client.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
  }
  ctx.io.out(formatTrainResult(result));
  return 0;
}
