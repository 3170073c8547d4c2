import { USER_WORKER_SETTINGS } from '../../../../runtime/src/worker/env';
import { intOption, type CommandSpec } from '../../spec';

/** The worker settings for --help, from the list the worker's reader is checked against. */
function workerSettingsHelp(): string {
  const width = Math.max(...USER_WORKER_SETTINGS.map((s) => s.key.length + s.values.length + 1));
  return ['', 'Worker settings (-e KEY VALUE):', ...USER_WORKER_SETTINGS.map((s) => `  ${`${s.key} ${s.values}`.padEnd(width)}  ${s.help}`)].join('\n');
}

/** `dojo job start JOB [--replicas R] [-e KEY VALUE]...`. */
export const jobStartCommand: CommandSpec = {
  name: 'job start',
  description: 'start a job\'s workers (parallel trials × replicas) with the given environment',
  configure: (cmd) =>
    cmd
      // optional for commander only: the book writes the job after the -e pairs, which take it
      .argument('[job]', 'job id (required; first, or last as in the book)')
      .option('--replicas <r>', 'data-parallel replicas per trial', intOption('--replicas', 1, 64), 1)
      .option(
        '-e, --env <KEY VALUE...>',
        'environment for the workers, as `-e KEY VALUE` or `-e KEY=VALUE` (repeatable); needs DOJO_TRAIN_GLOB and DOJO_VAL_GLOB (or the book\'s KAEN_OSDS_*_GLOB)',
      )
      .option('--wait', 'wait for the job with live progress', false)
      .option('--json', 'print the job as JSON', false)
      .addHelpText('after', workerSettingsHelp()),
  load: () => import('./index').then((m) => m.handler),
};
