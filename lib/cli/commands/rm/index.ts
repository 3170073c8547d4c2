import { createInterface } from 'node:readline/promises';
import { DojoError } from '../../../errors';
import { providerOfDojo } from '../../../providers';
import type { CommandHandler } from '../../spec';
import { formatRemove } from './format';

/** Removes the dojo; exit 1 when anything remains. */
export const handler: CommandHandler<{ yes: boolean; json: boolean; keepData?: boolean }> = async ([id], opts, ctx) => {
  const provider = await providerOfDojo(id!, ctx.io.env);
  if (!opts.yes && process.stdin.isTTY && ctx.io.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`remove dojo ${id} and all its data (runs, studies, logs)? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) throw new DojoError('USAGE', 'not removed (answer y, or pass --yes)');
  }
  const result = await provider.remove(id!, (m) => ctx.io.err(m), { keepData: opts.keepData ?? false });
  if (opts.json) ctx.io.out(JSON.stringify(result));
  else for (const line of formatRemove(result)) ctx.io.out(line);
  return result.remaining.length === 0 ? 0 : 1;
};
