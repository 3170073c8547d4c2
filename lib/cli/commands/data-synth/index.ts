import { synthesize, type SynthProgress, type SynthResult } from '../../../../runtime/src/data';
import type { CommandHandler } from '../../spec';

/** Options of `dojo data synth` as commander parses them. */
export interface DataSynthOptions {
  rows: number;
  out: string;
  parts: number;
  seed: number;
  s3Endpoint?: string;
  json?: boolean;
}

/** One progress line: rows written, percentage, parts done. */
export function formatSynthProgress(p: SynthProgress): string {
  const pct = p.rows === 0 ? 100 : (100 * p.rowsWritten) / p.rows;
  return `synth: ${p.rowsWritten.toLocaleString('en-US')}/${p.rows.toLocaleString('en-US')} rows (${pct.toFixed(0)}%), ${p.partsDone}/${p.parts} parts, ${(p.bytesWritten / 1e6).toFixed(0)} MB`;
}

/** The final summary, as text or one JSON line. */
export function formatSynthResult(r: SynthResult, out: string, seconds: number, json: boolean): string {
  if (json) return JSON.stringify({ out, files: r.files.length, rows: r.rows, bytes: r.bytes, seconds: Number(seconds.toFixed(3)) });
  return `wrote ${r.rows.toLocaleString('en-US')} rows in ${r.files.length} files (${(r.bytes / 1e6).toFixed(1)} MB) to ${out} in ${seconds.toFixed(1)} s`;
}

/** Runs `dojo data synth`. */
export const handler: CommandHandler<DataSynthOptions> = async (_args, opts, ctx) => {
  const t0 = performance.now();
  let lastLine = 0;
  const result = await synthesize({
    rows: opts.rows,
    parts: opts.parts,
    out: opts.out,
    seed: opts.seed,
    s3Endpoint: opts.s3Endpoint,
    onProgress: (p) => {
      const now = performance.now();
      if (ctx.io.isTTY) ctx.io.status(formatSynthProgress(p));
      else if (now - lastLine > 2000 && p.rowsWritten < p.rows) {
        lastLine = now;
        ctx.io.err(formatSynthProgress(p));
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  ctx.io.out(formatSynthResult(result, opts.out, seconds, Boolean(opts.json)));
  return 0;
};
