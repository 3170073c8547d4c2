import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DojoError } from '../../../errors';
import { checkParamSets, MAX_ENQUEUE } from '../../../hpo/spec';
import { validateSpace, type Params, type SearchSpace } from '../../../hpo/space';
import { jobKindOf } from '../../../jobs/kinds';
import { dojoHome, loadJob, providerOfJob, type HpoSettings } from '../../../providers';
import { jobKindSpec } from '../../job-kinds';
import type { CommandHandler } from '../../spec';
import { formatJobInfo } from '../job-inspect/format';
import { bookFlagsNote, defaultSpace, splitPortFlag, type BookHpoFlags } from './book-flags';

interface Opts extends BookHpoFlags {
  space?: string;
  numRuns: number;
  parallel: number;
  sampler: HpoSettings['sampler'];
  pruner: HpoSettings['pruner'];
  seed?: number;
  enqueue?: string;
  fromStudy?: string;
  metric?: string;
  direction: HpoSettings['direction'];
  json: boolean;
}

/** Reads and validates a space file: errors name the file and the path inside it. */
export function readSpaceFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DojoError('USAGE', `--space ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DojoError('USAGE', `${file}: not valid JSON: ${(e as Error).message}`);
  }
  return validateSpace(json, file) as Record<string, unknown>;
}

/**
 * Reads an --enqueue file: a JSON list of parameter objects, each checked against the space;
 * errors name the file and the entry (`first.json: [1].lr: ...`).
 */
export function readEnqueueFile(file: string, space: SearchSpace): Params[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DojoError('USAGE', `--enqueue ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DojoError('USAGE', `${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(json)) throw new DojoError('USAGE', `${file}: must be a JSON list of parameter objects, e.g. [{"lr": 0.01}]`);
  if (json.length > MAX_ENQUEUE) throw new DojoError('USAGE', `${file}: ${json.length} parameter sets is more than ${MAX_ENQUEUE}`);
  json.forEach((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new DojoError('USAGE', `${file}: [${i}]: must be an object of parameter name → value`);
  });
  const sets = json as Params[];
  const bad = checkParamSets(space, sets);
  if (bad) throw new DojoError('USAGE', `${file}: [${bad.path[0]}].${bad.path[1]}: ${bad.error}`);
  return sets;
}

/**
 * Records the HPO settings in the job (the study is created by `job start`), once the metric and
 * every bound and choice of the space are ones the job's kind accepts.
 */
export const handler: CommandHandler<Opts> = async ([jobArg], opts, ctx) => {
  const { job, ports } = splitPortFlag(jobArg, opts.port);
  const kind = await jobKindSpec(jobKindOf(loadJob(dojoHome(ctx.io.env), job)));
  const metric = opts.metric ?? kind.defaultMetric;
  if (kind.metrics && !kind.metrics.includes(metric)) {
    throw new DojoError('USAGE', `--metric ${metric}: must be one of ${kind.metrics.join(', ')}`);
  }
  const { space, source } = opts.space !== undefined ? { space: readSpaceFile(opts.space), source: opts.space } : defaultSpace(opts);
  kind.checkSpace(space, source);
  const enqueue = opts.enqueue !== undefined ? readEnqueueFile(opts.enqueue, space as SearchSpace) : undefined;
  if (opts.fromStudy !== undefined && !/^[^/\s]+$/.test(opts.fromStudy)) {
    throw new DojoError('USAGE', `--from-study ${JSON.stringify(opts.fromStudy)}: must be the name of an earlier study (its job id, e.g. from \`dojo job list\`)`);
  }
  const note = bookFlagsNote(opts, ports, opts.space !== undefined);
  if (note) ctx.io.err(note);
  const provider = await providerOfJob(job, ctx.io.env);
  const rec = await provider.enableHpo(job, {
    space,
    spaceFile: opts.space !== undefined ? resolve(opts.space) : source,
    numRuns: opts.numRuns,
    parallel: Math.min(opts.parallel, opts.numRuns),
    sampler: opts.sampler,
    pruner: opts.pruner,
    seed: opts.seed,
    ...(enqueue ? { enqueue } : {}),
    ...(opts.fromStudy !== undefined ? { fromStudy: opts.fromStudy } : {}),
    metric,
    direction: opts.direction,
  });
  if (opts.json) ctx.io.out(JSON.stringify(rec));
  else for (const line of formatJobInfo(rec)) ctx.io.out(line);
  return 0;
};
