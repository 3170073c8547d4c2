import { providerNamed, type InitOptions, type ProviderName } from '../../../providers';
import type { CommandHandler } from '../../spec';

interface Opts extends InitOptions {
  provider: ProviderName;
  json: boolean;
}

const FLAGS: Record<keyof InitOptions, string> = {
  managerInstanceType: '--manager-instance-type',
  workerInstanceType: '--worker-instance-type',
  maxWorkers: '--max-workers',
  spot: '--spot',
  region: '--region',
};

/** The provider checks the flags (naming them), then records the dojo; prints its id alone. */
export const handler: CommandHandler<Opts> = async (_args, opts, ctx) => {
  const provider = await providerNamed(opts.provider, ctx.io.env);
  const options: InitOptions = {
    managerInstanceType: opts.managerInstanceType,
    workerInstanceType: opts.workerInstanceType,
    maxWorkers: opts.maxWorkers,
    spot: opts.spot,
    region: opts.region,
  };
  provider.validateInit(options, (key) => FLAGS[key]);
  const cfg = await provider.init(options);
  ctx.io.out(opts.json ? JSON.stringify(cfg) : cfg.id);
  return 0;
};
