import { aliasCommand, type CommandSpec } from '../spec';
import { initCommand } from './init/command';
import { lsCommand } from './ls/command';
import { activateCommand } from './activate/command';
import { deactivateCommand } from './deactivate/command';
import { inspectCommand } from './inspect/command';
import { rmCommand } from './rm/command';
import { jobCreateCommand } from './job-create/command';
import { jobLsCommand } from './job-ls/command';
import { jobInspectCommand } from './job-inspect/command';
import { jobStartCommand } from './job-start/command';
import { jobWaitCommand } from './job-wait/command';
import { jobLogsCommand } from './job-logs/command';
import { jobStopCommand } from './job-stop/command';
import { hpoEnableCommand } from './hpo-enable/command';
import { hpoServeCommand } from './hpo-serve/command';
import { hpoReportCommand } from './hpo-report/command';
import { managerServeCommand } from './manager-serve/command';
import { demoCommand } from './demo/command';
import { workerRunCommand } from './worker-run/command';
import { jobDriveCommand } from './job-drive/command';
import { jobFollowResultsCommand } from './job-follow-results/command';
import { dataSynthCommand } from './data-synth/command';
import { uiCommand } from './ui/command';
import { dataPutCommand } from './data-put/command';
import { trackingServeCommand } from './tracking-serve/command';
import { predictCommand } from './predict/command';
import { modelExportCommand } from './model-export/command';
import { trainCommand } from './train/command';

/**
 * Every command of the CLI, in --help order. Each entry is a cheap spec; its handler is loaded
 * only when the command runs. Add a command by adding its folder's spec here.
 */
export const commands: readonly CommandSpec[] = [
  // dojo lifecycle and jobs (the book's ch. 12 workflow)
  initCommand,
  lsCommand,
  activateCommand,
  deactivateCommand,
  inspectCommand,
  rmCommand,
  // the book's noun-verb form (`kaen dojo init` → `dojo dojo init`), listed once in --help as a group
  ...[initCommand, lsCommand, activateCommand, deactivateCommand, inspectCommand, rmCommand].map((c) => aliasCommand(`dojo ${c.name}`, c)),
  jobCreateCommand,
  jobLsCommand,
  jobInspectCommand,
  jobStartCommand,
  jobWaitCommand,
  jobLogsCommand,
  jobStopCommand,
  hpoEnableCommand,
  hpoServeCommand,
  hpoReportCommand,
  managerServeCommand,
  demoCommand,
  workerRunCommand,
  jobDriveCommand,
  jobFollowResultsCommand,
  dataSynthCommand,
  uiCommand,
  dataPutCommand,
  trackingServeCommand,
  trainCommand,
  predictCommand,
  modelExportCommand,
];
