import type { CommandSpec } from '../../spec';

/** `dojo model export`: converts a saved model to a portable format (ONNX). */
export const modelExportCommand: CommandSpec = {
  name: 'model export',
  description: 'export a saved model as an ONNX graph (Gemm/Relu/BatchNormalization, opset 13, float32; a fitted data preparation becomes nodes in front, so it takes the 8 raw features) to serve it anywhere',
  configure: (cmd) =>
    cmd
      .requiredOption('--model <path|uri>', 'model file path, runs:/<run_id>/model, models:/<name>/<version> or models:/<name>@<alias>')
      .requiredOption('--out <file>', 'where to write the exported model')
      .option('--format <format>', 'export format (only onnx)', 'onnx')
      .option('--input-type <type>', 'element type of the graph input: float32 or float64 (default: float64 for a float64 model with bins, so that raw values on a bin edge land in the bin dojo predict picks; float32 otherwise)')
      .option('--tracking <uri>', 'tracking server for runs:/ and models:/ (default: DOJO_TRACKING_URI)')
      .option('--json', 'print the result as one JSON line'),
  load: () => import('./index').then((m) => m.handler),
};
