import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../../../errors';
import type { CommandJob } from '../../../jobs/replica-env';
import { providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { readProject } from './project';

interface Opts {
  dojo: string;
  command?: string;
  project?: string;
  entryPoint?: string;
  workdir?: string;
  image?: string;
  json: boolean;
}

/** The command job the flags describe, or undefined for a built-in job (usage errors name the flag). */
export function commandJobOf(opts: Pick<Opts, 'command' | 'workdir' | 'project' | 'entryPoint'>, cwd: string, note: (line: string) => void = () => undefined): CommandJob | undefined {
  if (opts.entryPoint !== undefined && opts.project === undefined) throw usageError(`--entry-point ${opts.entryPoint}: only with --project DIR`);
  if (opts.project !== undefined) {
    if (opts.command !== undefined) throw usageError('--command and --project: give one (the project\'s entry point is the command)');
    if (opts.workdir !== undefined) throw usageError(`--workdir ${opts.workdir}: a project runs in its own folder; remove it`);
    const read = readProject(opts.project, opts.entryPoint ?? 'main', cwd);
    for (const n of read.notes) note(n);
    return read.job;
  }
  if (opts.command === undefined) {
    if (opts.workdir !== undefined) throw usageError(`--workdir ${opts.workdir}: only a command job has a workdir; add --command CMD`);
    return undefined;
  }
  if (opts.command.trim() === '') throw usageError("--command: empty; give the command every replica runs, e.g. --command 'python train.py --epochs 3'");
  const workdir = resolve(cwd, opts.workdir ?? '.');
  if (!existsSync(workdir)) throw usageError(`--workdir ${opts.workdir}: no such folder (${workdir})`);
  if (!statSync(workdir).isDirectory()) throw usageError(`--workdir ${opts.workdir}: not a folder (${workdir})`);
  return { command: opts.command, workdir };
}

/** Creates the job record and prints the job id alone. */
export const handler: CommandHandler<Opts> = async (_args, opts, ctx) => {
  const command = commandJobOf(opts, process.cwd(), (l) => ctx.io.err(l));
  const provider = await providerOfDojo(opts.dojo, ctx.io.env);
  if (command && opts.image && provider.name === 'local') ctx.io.err(`--image ${opts.image}: unused by a local dojo (the command runs as a process in ${command.workdir})`);
  const job = await provider.createJob(opts.dojo, { image: opts.image, ...(command ? { command } : {}) });
  ctx.io.out(opts.json ? JSON.stringify(job) : job.id);
  return 0;
};
