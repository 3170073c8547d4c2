import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DojoError } from '../../../errors';
import { openModel } from '../../../../runtime/src/model-file';
import { resolveRegisteredModel } from '../../../tracking/registry-client';
import { predictCsv, type PredictSummary } from '../../../../runtime/src/predict';
import { refuseOverwrite } from '../../overwrite';
import type { CommandHandler } from '../../spec';

/** Options of `dojo predict` as commander parses them. */
export interface PredictOptions {
  model: string;
  input: string;
  output?: string;
  tracking?: string;
  batch: number;
  s3Endpoint?: string;
}

/** The one-line JSON summary printed when predictions are done. */
export function formatPredictSummary(s: PredictSummary, model: string, output: string | undefined): string {
  const r = (v: number): number => Math.round(v);
  return JSON.stringify({
    model,
    output: output ?? '-',
    rows: s.rows,
    files: s.files,
    ...(s.rmse !== undefined ? { rmse: s.rmse } : {}),
    dtype: s.dtype,
    ...(s.values_imputed !== undefined ? { values_imputed: s.values_imputed } : {}),
    seconds: Number(s.seconds.toFixed(3)),
    rows_per_sec: r(s.rows_per_sec),
    forward_rows_per_sec: r(s.forward_rows_per_sec),
  });
}

/** The throughput line on stderr. */
export function formatThroughput(s: PredictSummary): string {
  const m = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e4 ? `${(v / 1e3).toFixed(1)}k` : String(Math.round(v)));
  return `predict: ${s.rows.toLocaleString('en-US')} rows from ${s.files} file${s.files === 1 ? '' : 's'} in ${s.seconds.toFixed(2)} s: ${m(s.rows_per_sec)} rows/s end to end, ${m(s.forward_rows_per_sec)} rows/s forward${s.rmse !== undefined ? `, RMSE ${s.rmse.toFixed(4)}` : ''}${s.values_imputed ? `, ${s.values_imputed.toLocaleString('en-US')} bad feature values imputed with the training means` : ''}`;
}

/** Runs `dojo predict`. */
export const handler: CommandHandler<PredictOptions> = async (_args, opts, ctx) => {
  if (opts.output) await refuseOverwrite({ flag: '--output', path: opts.output }, [{ flag: '--input', value: opts.input }, { flag: '--model', value: opts.model }]);
  const { model, header } = await openModel(opts.model, {
    trackingUri: opts.tracking ?? ctx.io.env.DOJO_TRACKING_URI,
    capacityRows: opts.batch,
    resolveRegistered: resolveRegisteredModel,
  });
  // Written beside the target and renamed into place at the end: a failed run leaves no half file
  // (and an earlier output of the same name stays as it was).
  const partial = opts.output ? join(dirname(opts.output), `.${basename(opts.output)}.${process.pid}.partial`) : undefined;
  const file = partial
    ? await open(partial, 'w').catch((e: NodeJS.ErrnoException) => {
        throw new DojoError('USAGE', `--output ${opts.output}: cannot write (${e.code ?? e.message})`, { cause: e });
      })
    : undefined;
  let summary: PredictSummary;
  let done = false;
  try {
    summary = await predictCsv({
      model,
      header,
      input: opts.input,
      batchRows: opts.batch,
      s3Endpoint: opts.s3Endpoint,
      write: file ? async (text) => void (await file.write(text + '\n')) : (text) => ctx.io.out(text),
      onProgress: (rows, seconds) => ctx.io.status(`predict: ${rows.toLocaleString('en-US')} rows, ${(rows / Math.max(seconds, 1e-9) / 1e6).toFixed(2)}M rows/s`),
    });
    await file?.close();
    if (partial) await rename(partial, opts.output!);
    done = true;
  } finally {
    if (!done) {
      await file?.close().catch(() => undefined);
      if (partial) await rm(partial, { force: true });
    }
  }
  ctx.io.err(formatThroughput(summary));
  const line = formatPredictSummary(summary, opts.model, opts.output);
  if (file) ctx.io.out(line);
  else ctx.io.err(line);
  return 0;
};
