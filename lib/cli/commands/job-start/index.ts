import { GLOB_KEYS, normalizeJobEnv } from '../../../jobs/env';
import { jobKindOf } from '../../../jobs/kinds';
import { checkProjectSpace } from '../../../jobs/project';
import { dojoHome, loadJob, providerOfJob } from '../../../providers';
import { jobKindSpec } from '../../job-kinds';
import { DojoError } from '../../../errors';
import type { CommandHandler } from '../../spec';
import { formatJobInfo } from '../job-inspect/format';
import { formatProgress } from '../job-wait/format';
import { waitWithProgress } from '../job-wait';
import { envPairsAndJob } from './env-pairs';
import { JOB_RUNS_ENV, takeBookEnv } from './book-env';

interface Opts {
  replicas: number;
  env?: string[];
  wait: boolean;
  json: boolean;
}

/** Fails before anything starts when a data glob matches nothing. */
export async function checkGlobs(env: Readonly<Record<string, string>>): Promise<void> {
  const { resolveGlob } = await import('../../../../runtime/src/data');
  for (const key of GLOB_KEYS) {
    const glob = env[key];
    if (!glob) continue;
    let found: readonly unknown[];
    try {
      found = await resolveGlob(glob);
    } catch (e) {
      if (e instanceof Error && e.name === 'DojoError') throw new DojoError('USAGE', `${key}: ${e.message}`, { cause: e });
      throw e;
    }
    if (found.length === 0) throw new DojoError('USAGE', `${key}: no objects match ${glob}`);
  }
}

/**
 * Starts the job once its study is one the job's kind accepts (the space is checked again: the
 * job's record may come from an older dojo) and its data globs match; with --wait shows progress
 * until it ends.
 */
export const handler: CommandHandler<Opts> = async ([jobArg], opts, ctx) => {
  const { pairs, job } = envPairsAndJob(opts.env ?? [], jobArg);
  const record = loadJob(dojoHome(ctx.io.env), job);
  const book = takeBookEnv(pairs, ctx.io.env);
  const env = normalizeJobEnv(book.pairs, jobKindOf(record));
  if (book.jobRuns !== undefined && !record.hpo) {
    throw new DojoError('USAGE', `-e ${JOB_RUNS_ENV}: job ${job} has no study to run ${book.jobRuns} trial(s) of; run \`dojo hpo enable ${job} --num-runs ${book.jobRuns}\` first`);
  }
  if (record.hpo) {
    const kind = await jobKindSpec(jobKindOf(record));
    kind.checkSpace(record.hpo.space, record.hpo.spaceFile);
    if (record.command?.project) checkProjectSpace(record.command.project, record.hpo.space, record.hpo.spaceFile);
    kind.checkStart?.(env, record.hpo.metric);
  }
  const provider = await providerOfJob(job, ctx.io.env);
  await checkGlobs(env);
  for (const note of book.notes) ctx.io.err(note);
  if (record.hpo && book.jobRuns !== undefined && book.jobRuns !== record.hpo.numRuns) {
    // The book's trial count is the study's: the job runs that many trials, as if enabled so.
    await provider.enableHpo(job, { ...record.hpo, numRuns: book.jobRuns, parallel: Math.min(record.hpo.parallel, book.jobRuns) });
    ctx.io.err(`note: -e ${JOB_RUNS_ENV} ${book.jobRuns}: the study runs ${book.jobRuns} trial(s) (hpo enable said --num-runs ${record.hpo.numRuns})`);
  }
  const info = await provider.startJob(job, { replicas: opts.replicas, env }, (m) => ctx.io.err(m));
  if (!opts.wait) {
    if (opts.json) ctx.io.out(JSON.stringify(info));
    else for (const line of formatJobInfo(info)) ctx.io.out(line);
    return 0;
  }
  const final = await waitWithProgress(provider, job, ctx.io);
  ctx.io.out(opts.json ? JSON.stringify(final) : formatProgress(final));
  return final.status === 'completed' ? 0 : 1;
};
