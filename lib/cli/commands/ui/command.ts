import { intOption, type CommandSpec } from '../../spec';

/** `dojo ui ID`: the tracking UI of an AWS dojo through an SSM port-forwarding session. */
export const uiCommand: CommandSpec = {
  name: 'ui',
  description: 'the tracking UI: a local dojo prints its address (with the token); an AWS dojo is reached through SSM port forwarding (or prints the command)',
  configure: (cmd) =>
    cmd
      .argument('<id>', 'dojo id')
      .option('--local-port <port>', 'port on this machine', intOption('--local-port', 1024, 65535))
      .option('--print', 'only print the `aws ssm start-session` command', false),
  load: () => import('./index').then((m) => m.handler),
};
