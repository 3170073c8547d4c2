import { readFile } from 'node:fs/promises';
import { DojoError } from '../../../errors';
import { TrackingClient } from '../../../tracking/client';
import { datasetInputs } from '../../../../runtime/src/data/dataset-inputs';
import { S3Clients } from '../../../../runtime/src/data/s3';
import { TrackedRun } from '../../../../runtime/src/train/tracked-run';
import { MetricsPolicy } from '../../../../runtime/src/train/metrics-policy';
import { replaySpilledMetrics } from '../../../tracking/metric-replay';
import type { MetricLoggerResult } from '../../../tracking/metric-logger';
import type { BadRowPolicy, DType } from '../../../../runtime/src/data/types';
import { collectiveFromEnv, launchReplicas } from '../../../../runtime/src/collective';
import { parseHParams, train, type HParams, type TrainOptions } from '../../../../runtime/src/train';
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
  /** @default 50 */
  logEveryNSteps?: number;
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
function runParams(hp: HParams, o: TrainCommandOptions, worldSize: number): Record<string, unknown> {
  return {
    ...hp,
    dtype: o.dtype, on_bad_row: o.onBadRow, replicas: worldSize, shard_size: o.shardSize,
    train_glob: o.train, val_glob: o.val, ...(o.test ? { test_glob: o.test } : {}),
  };
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
  // The S3 clients of this command's environment (not this process's): every read goes through them.
  const s3 = new S3Clients(ctx.io.env);
  const globs = { train: opts.train, val: opts.val, ...(opts.test ? { test: opts.test } : {}) };
  let run: TrackedRun | undefined;
  if (trackingUri) {
    const client = new TrackingClient(trackingUri);
    const experimentId = await client.getOrCreateExperiment('dojo-train');
    const created = await client.createRun({ experimentId, runName: `train-${new Date().toISOString().slice(0, 19)}`, tags: { 'dojo.command': 'train' } });
    run = new TrackedRun(client, created.info.run_id, { onWarning: (m) => ctx.io.err(`tracking: ${m}`), onClosed: (r) => reportUndelivered(r, ctx) });
    await run.logParams(runParams(hparams, opts, collective.worldSize));
    await run.logDatasets(datasetInputs(globs, undefined, s3), (m) => ctx.io.err(`train: ${m}`));
    // Points an earlier run could not deliver to this server go first (bounded: never holds up training long).
    const replayed = await replaySpilledMetrics(client, { timeoutMs: 10_000 });
    if (replayed.files > 0) ctx.io.err(`train: replayed ${replayed.delivered} metric points that earlier runs could not deliver (${replayed.undelivered} still undelivered)`);
    ctx.io.err(`train: tracking run ${run.runId} at ${trackingUri}`);
  }
  let lastLine = 0;
  const options: TrainOptions = {
    hparams,
    ...globs,
    dtype: opts.dtype,
    onBadRow: opts.onBadRow,
    shardSize: opts.shardSize,
    s3,
    collective,
    metricsPolicy: new MetricsPolicy(opts.logEveryNSteps),
    onTrained: opts.save || run ? (model, r) => saveTrainedModel(model, r, opts.save, run?.client, run?.runId, ctx) : undefined,
    onProgress: (p) => {
      if (ctx.io.isTTY) return ctx.io.status(formatProgress(p, 24));
      const now = performance.now();
      if (p.phase !== 'train' || p.step === 1 || p.step === p.steps || now - lastLine >= 2000) {
        lastLine = now;
        ctx.io.err(formatProgress(p));
      }
    },
  };
  // `dojo train` streams its data from storage: a one-off run over data that may not fit in memory.
  const result = run ? await run.train(options) : await train(options);
  if (!rank0) return 0;
  if (result.rows_skipped > 0) {
    ctx.io.err(`train: skipped ${result.rows_skipped} bad rows (${hparams.missing ? 'a bad label or column count: never kept' : '--on-bad-row skip'})`);
  }
  if (result.rows_dropped) ctx.io.err(`train: dropped ${result.rows_dropped} rows with a bad feature (hparams.missing drop)`);
  if (result.values_imputed) ctx.io.err(`train: imputed ${result.values_imputed} bad feature values with the training means (hparams.missing mean)`);
  await run?.finish(result, true);
  ctx.io.out(formatTrainResult(result));
  return 0;
}

/** Says what the tracking server did not get (the points are in a spill file a later worker or train replays). */
function reportUndelivered(r: MetricLoggerResult, ctx: CommandContext): void {
  if (r.undelivered === 0) return;
  ctx.io.err(
    `train: ${r.undelivered} metric points were not delivered to tracking` +
      (r.spillFile ? `; ${r.pending} are kept in ${r.spillFile} and replayed by the next dojo train or worker with this tracking server` : '') +
      (r.rejected ? `; ${r.rejected} were refused by the server` : ''),
  );
}
