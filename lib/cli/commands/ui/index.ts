import { spawn } from 'node:child_process';
import { DojoError } from '../../../errors';
import { dojoHome, providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatUiCommand } from './format';

/**
 * Starts `aws ssm start-session ... AWS-StartPortForwardingSession` in the foreground (Ctrl-C ends
 * it) when the AWS CLI and the Session Manager plugin are installed; otherwise prints the command.
 */
export const handler: CommandHandler<{ localPort?: number; print: boolean }> = async ([id], opts, ctx) => {
  const provider = await providerOfDojo(id!, dojoHome(ctx.io.env));
  if (provider.name !== 'aws') {
    // A local UI needs no tunnel: its address, with the dojo's token once (the page keeps it in a cookie).
    const url = (await provider.inspect(id!)).extra?.DOJO_UI_URL;
    if (!url) throw new DojoError('CONFLICT', `dojo ${id} is not active; run \`dojo activate ${id}\` first`);
    ctx.io.out(url);
    ctx.io.err(`open this address in a browser: the tracking UI of ${id} (it carries the dojo's token once)`);
    return 0;
  }
  const { AwsProvider, missingSessionTool, portForwardArgs } = await import('../../../providers/aws');
  if (!(provider instanceof AwsProvider)) throw new DojoError('INTERNAL', 'aws provider of an unexpected class');
  const t = await provider.uiTarget(id!);
  const localPort = opts.localPort ?? t.port;
  const missing = missingSessionTool(ctx.io.env);
  if (opts.print || missing) {
    for (const line of formatUiCommand(t, localPort, missing)) ctx.io.out(line);
    return 0;
  }
  ctx.io.err(`forwarding http://localhost:${localPort} to the tracking UI of ${id} (Ctrl-C to stop)`);
  const child = spawn('aws', portForwardArgs(t.instanceId, t.region, t.port, localPort), { stdio: 'inherit', env: ctx.io.env });
  const onSigint = () => child.kill('SIGINT');
  process.on('SIGINT', onSigint);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c ?? 0));
    });
    return code === 0 || code === 130 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
};
