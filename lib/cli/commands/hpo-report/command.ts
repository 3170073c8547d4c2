import type { CommandSpec } from '../../spec';

/** Options of `dojo hpo report`. */
export interface HpoReportOptions {
  out: string;
  hpo?: string;
  contour?: string;
  json?: boolean;
}

/** `dojo hpo report STUDY --out DIR`: writes the HTML summary and SVG plots of a study. */
export const hpoReportCommand: CommandSpec = {
  name: 'hpo report',
  description: 'write a study report (HTML summary, history, importances, parallel coordinates, contour) to a folder',
  configure: (cmd) =>
    cmd
      .argument('<study>', 'study id or name')
      .requiredOption('--out <dir>', 'folder to write index.html and the SVG plots into (created if missing)')
      .option('--hpo <uri>', 'HPO service URL (default: $DOJO_HPO_URI or http://127.0.0.1:5002)')
      .option('--contour <x,y>', 'parameter pair of the contour plot (default: the two most important)')
      .option('--json', 'print the written files as JSON'),
  load: () => import('./index').then((m) => m.handler),
};
