import { createInterface } from 'node:readline/promises';
import { DojoError, isDojoError } from '../../../errors';
import { isId, providerOfDojo, removeUnreadableDojo, type Provider } from '../../../providers';
import type { CommandContext, CommandHandler } from '../../spec';
import { formatRemove } from './format';

/** The dojo's provider, or undefined when its config.json is corrupt (reported on stderr: rm removes it anyway). */
async function providerOrUnreadable(id: string, ctx: CommandContext): Promise<Provider | undefined> {
  try {
    return await providerOfDojo(id, ctx.io.env);
  } catch (e) {
    if (!(isDojoError(e) && e.code === 'BAD_DATA' && isId(id, 'dojo'))) throw e;
    ctx.io.err(`${e.message}; removing the dojo anyway`);
    return undefined;
  }
}

/** Removes the dojo (also one whose config.json is corrupt); exit 1 when anything remains. */
export const handler: CommandHandler<{ yes: boolean; json: boolean; keepData?: boolean }> = async ([id], opts, ctx) => {
  const provider = await providerOrUnreadable(id!, ctx);
  if (!opts.yes && process.stdin.isTTY && ctx.io.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`remove dojo ${id} and all its data (runs, studies, logs)? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) throw new DojoError('USAGE', 'not removed (answer y, or pass --yes)');
  }
  const progress = (m: string) => ctx.io.err(m);
  const result = provider
    ? await provider.remove(id!, progress, { keepData: opts.keepData ?? false })
    : await removeUnreadableDojo(id!, progress, ctx.io.env);
  if (opts.json) ctx.io.out(JSON.stringify(result));
  else for (const line of formatRemove(result)) ctx.io.out(line);
  return result.remaining.length === 0 ? 0 : 1;
};
