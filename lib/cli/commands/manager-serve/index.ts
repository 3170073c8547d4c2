import { DojoError } from '../../../errors';
import { providerNamed } from '../../../providers';
import type { CommandHandler } from '../../spec';

/** Runs the local provider's manager until SIGTERM. */
export const handler: CommandHandler<{ dir: string }> = async (_args, opts, ctx) => {
  const provider = await providerNamed('local', ctx.io.env);
  if (!provider.serveManager) throw new DojoError('INTERNAL', 'the local provider has no manager process');
  await provider.serveManager(opts.dir, (l) => ctx.io.err(l));
  return 0;
};
