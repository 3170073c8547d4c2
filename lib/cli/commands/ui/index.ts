import { spawn } from 'node:child_process';
import { DojoError } from '../../../errors';
import { providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatUiCommand } from './format';

/**
 * Prints the tracking UI's address when it answers as it is (a local dojo); otherwise starts the
 * provider's tunnel to it in the foreground (Ctrl-C ends it) when the tools it needs are installed,
 * or prints the command to run where they are.
 */
export const handler: CommandHandler<{ localPort?: number; print: boolean }> = async ([id], opts, ctx) => {
  const provider = await providerOfDojo(id!, ctx.io.env);
  if (!provider.ui) throw new DojoError('USAGE', `dojo ${id} runs on the ${provider.name} provider, which has no tracking UI to open`);
  const access = await provider.ui(id!, { localPort: opts.localPort });
  const tunnel = access.tunnel;
  if (!tunnel) {
    // The UI answers at its address as it is.
    ctx.io.out(access.url);
    ctx.io.err(`open this address in a browser: the tracking UI of ${id}${access.note ? ` (${access.note})` : ''}`);
    return 0;
  }
  if (opts.print || tunnel.missingTool) {
    for (const line of formatUiCommand({ ...access, tunnel })) ctx.io.out(line);
    return 0;
  }
  ctx.io.err(`forwarding ${access.url} to the tracking UI of ${id} (Ctrl-C to stop)`);
  const child = spawn(tunnel.program, [...tunnel.args], { stdio: 'inherit', env: ctx.io.env });
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
