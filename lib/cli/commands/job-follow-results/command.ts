import { intOption, type CommandSpec } from '../../spec';

/** Internal: the result file's follower, the sidecar of a command job's task on AWS (see lib/jobs/result-follower.ts). */
export const jobFollowResultsCommand: CommandSpec = {
  name: 'job follow-results',
  description: '(internal) write each new line of a replica\'s result file to stdout; on SIGTERM the rest and an end marker',
  hidden: true,
  configure: (cmd) => {
    cmd
      .requiredOption('--file <path>', 'the result file (DOJO_RESULT_FILE of the replica beside this one)')
      .option('--poll-ms <ms>', 'ms between two looks at the file', intOption('--poll-ms', 10, 60_000), 250);
  },
  load: () => import('./index').then((m) => m.handler),
};
