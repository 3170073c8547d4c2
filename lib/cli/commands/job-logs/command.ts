import { intOption, type CommandSpec } from '../../spec';

/** `dojo job logs JOB [--follow] [--trial N]`. */
export const jobLogsCommand: CommandSpec = {
  name: 'job logs',
  description: 'print the workers\' logs of a job, each line tagged with its worker',
  configure: (cmd) =>
    cmd
      .argument('<job>', 'job id')
      .option('-f, --follow', 'keep printing new lines until the job ends', false)
      .option('--trial <n>', 'only the lines of trial N', intOption('--trial', 0)),
  load: () => import('./index').then((m) => m.handler),
};
