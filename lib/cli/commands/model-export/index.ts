import { writeFile } from 'node:fs/promises';
import { DojoError } from '../../../errors';
import { openModel } from '../../../../runtime/src/model-file';
import { resolveRegisteredModel } from '../../../tracking/registry-client';
import { exportOnnx, ONNX_OPSET } from '../../../../runtime/src/export';
import type { CommandHandler } from '../../spec';

/** Options of `dojo model export` as commander parses them. */
export interface ModelExportOptions {
  model: string;
  out: string;
  format: string;
  tracking?: string;
  json?: boolean;
}

/** What the export wrote, as text or one JSON line. */
export function formatExportResult(o: { model: string; out: string; bytes: number; dtype: string }, json: boolean): string {
  if (json) return JSON.stringify({ ...o, format: 'onnx', opset: ONNX_OPSET });
  const note = o.dtype === 'float64' ? ' (float64 weights exported as float32)' : '';
  return `wrote ${o.out}: ONNX opset ${ONNX_OPSET}, ${o.bytes} bytes${note}`;
}

/** Runs `dojo model export`. */
export const handler: CommandHandler<ModelExportOptions> = async (_args, opts, ctx) => {
  if (opts.format !== 'onnx') throw new DojoError('USAGE', `--format ${opts.format}: only "onnx" is supported`);
  const { model, header } = await openModel(opts.model, { trackingUri: opts.tracking ?? ctx.io.env.DOJO_TRACKING_URI, backend: 'js', capacityRows: 1, resolveRegistered: resolveRegisteredModel });
  const bytes = exportOnnx(model, header);
  await writeFile(opts.out, bytes).catch((e: NodeJS.ErrnoException) => {
    throw new DojoError('USAGE', `--out ${opts.out}: cannot write (${e.code ?? e.message})`, { cause: e });
  });
  ctx.io.out(formatExportResult({ model: opts.model, out: opts.out, bytes: bytes.length, dtype: header.dtype }, Boolean(opts.json)));
  return 0;
};
