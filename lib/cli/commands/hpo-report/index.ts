import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DojoError } from '../../../errors';
import { HpoClient } from '../../../hpo';
import { renderReportFiles } from '../../../hpo/report/html';
import type { CommandHandler } from '../../spec';
import type { HpoReportOptions } from './command';

/** Formats the list of written files. */
export function formatWritten(files: string[], json: boolean): string {
  return json ? JSON.stringify({ files }) : files.join('\n');
}

/** Fetches the study, renders the report locally and writes it to --out. */
export const handler: CommandHandler<HpoReportOptions> = async (args, opts, ctx) => {
  const uri = opts.hpo ?? ctx.io.env.DOJO_HPO_URI ?? 'http://127.0.0.1:5002';
  let contour: [string, string] | undefined;
  if (opts.contour !== undefined) {
    const parts = opts.contour.split(',').map((s) => s.trim());
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new DojoError('USAGE', `--contour must be two parameter names separated by a comma, got "${opts.contour}"`);
    contour = [parts[0], parts[1]];
  }
  const study = await new HpoClient(uri).getStudy(args[0]!);
  ctx.io.err(`rendering report of study ${study.name} (${study.trials.length} trials)`);
  const files = await renderReportFiles(study, contour ? { contour } : {});
  const dir = resolve(opts.out);
  mkdirSync(dir, { recursive: true });
  const written = files.map((f) => {
    const path = join(dir, f.name);
    writeFileSync(path, f.content);
    return path;
  });
  ctx.io.out(formatWritten(written, Boolean(opts.json)));
  return 0;
};
