import { spawn } from 'node:child_process';
import { DojoError } from '../../../errors';
import { providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatUiCommand } from './format';

/**
 * Starts the provider's tunnel to the tracking UI in the foreground (Ctrl-C ends it) when the tools
 * it needs are installed; otherwise prints the command to run where they are.
 */
export const handler: CommandHandler<{ localPort?: number; print: boolean }> = async ([id], opts, ctx) => {
  const provider = await providerOfDojo(id!, ctx.io.env);
  if (!provider.ui) {
    throw new DojoError('USAGE', `dojo ${id} runs on the ${provider.name} provider, whose tracking UI needs no tunnel: open DOJO_TRACKING_URI from \`dojo inspect ${id}\` in a browser`);
  }
  const access = await provider.ui(id!, { localPort: opts.localPort });
  if (opts.print || access.missingTool) {
    for (const line of formatUiCommand(access)) ctx.io.out(line);
    return 0;
  }
  ctx.io.err(`forwarding ${access.url} to the tracking UI of ${id} (Ctrl-C to stop)`);
  const child = spawn(access.tunnel.program, [...access.tunnel.args], { stdio: 'inherit', env: ctx.io.env });
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
