import { writeFile } from 'node:fs/promises';
import { DojoError } from '../../../errors';
import { openModel } from '../../../../runtime/src/model-file';
import { resolveRegisteredModel } from '../../../tracking/registry-client';
import { exportOnnx, ONNX_OPSET, type OnnxInputType } from '../../../../runtime/src/export';
import { refuseOverwrite } from '../../overwrite';
import type { CommandHandler } from '../../spec';
import type { FittedPrep } from '../../../../runtime/src/prep/prep';

/** Options of `dojo model export` as commander parses them. */
export interface ModelExportOptions {
  model: string;
  out: string;
  format: string;
  inputType?: string;
  tracking?: string;
  json?: boolean;
}

/** What the export wrote, as text or one JSON line. */
export function formatExportResult(o: { model: string; out: string; bytes: number; dtype: string; input_type: OnnxInputType; prep?: FittedPrep }, json: boolean): string {
  const { prep, ...rest } = o;
  const stages = prep ? { missing: prep.missing, bins: prep.bins, scale: prep.scale } : null;
  if (json) return JSON.stringify({ ...rest, format: 'onnx', opset: ONNX_OPSET, preprocessing: stages });
  const note = (o.dtype === 'float64' ? ' (float64 weights exported as float32)' : '') + (o.input_type === 'float64' ? ', float64 input' : '');
  const prepNote = stages ? `; the graph prepares the 8 raw features itself (missing=${stages.missing ?? 'none'}, bins ${stages.bins}, scale ${stages.scale})` : '';
  return `wrote ${o.out}: ONNX opset ${ONNX_OPSET}, ${o.bytes} bytes${note}${prepNote}`;
}

/** Runs `dojo model export`. */
export const handler: CommandHandler<ModelExportOptions> = async (_args, opts, ctx) => {
  if (opts.format !== 'onnx') throw new DojoError('USAGE', `--format ${opts.format}: only "onnx" is supported`);
  if (opts.inputType !== undefined && opts.inputType !== 'float32' && opts.inputType !== 'float64') throw new DojoError('USAGE', `--input-type ${opts.inputType}: must be float32 or float64`);
  await refuseOverwrite({ flag: '--out', path: opts.out }, [{ flag: '--model', value: opts.model }]);
  const { model, header } = await openModel(opts.model, { trackingUri: opts.tracking ?? ctx.io.env.DOJO_TRACKING_URI, backend: 'js', capacityRows: 1, resolveRegistered: resolveRegisteredModel });
  // A float64 model with bins takes float64 input by default: float32 would move ~1% of 6-decimal
  // coordinates across a bin edge, silently. Asked for float32 explicitly, it is warned about.
  const binned64 = model.dtype === 'float64' && (model.prep?.bins ?? 0) > 0;
  const inputType = opts.inputType ?? (binned64 ? 'float64' : 'float32');
  const bytes = exportOnnx(model, header, { inputType });
  if (binned64 && inputType === 'float32') {
    // Measured on 6-decimal DC coordinates: about 1 row in 100 has a value float32 moves across a bin edge.
    ctx.io.err('model export: this float64 model bins coordinates; float32 input rounds a raw value, which then may fall in the neighbouring bin when it lies on a bin edge (about 1 row in 100 of 6-decimal DC coordinates). --input-type float64 places every value as dojo predict does.');
  }
  await writeFile(opts.out, bytes).catch((e: NodeJS.ErrnoException) => {
    throw new DojoError('USAGE', `--out ${opts.out}: cannot write (${e.code ?? e.message})`, { cause: e });
  });
  ctx.io.out(formatExportResult({ model: opts.model, out: opts.out, bytes: bytes.length, dtype: header.dtype, input_type: inputType, ...(model.prep ? { prep: model.prep } : {}) }, Boolean(opts.json)));
  return 0;
};
