import { parseDojoConfig, type DojoContextKey } from '../../../infra/config';
import { providerNamed, type ProviderName } from '../../../providers';
import type { CommandHandler } from '../../spec';

interface Opts {
  provider: ProviderName;
  managerInstanceType: string;
  workerInstanceType: string;
  maxWorkers: number;
  spot: boolean;
  region?: string;
  json: boolean;
}

const FLAGS: Partial<Record<DojoContextKey, string>> = {
  managerInstanceType: '--manager-instance-type',
  workerInstanceType: '--worker-instance-type',
  maxWorkers: '--max-workers',
  spot: '--spot',
};

/** Validates the flags with the infra config rules, records the dojo, prints its id alone. */
export const handler: CommandHandler<Opts> = async (_args, opts, ctx) => {
  // The same validator as `cdk deploy -c ...`, so a dojo that inits also deploys.
  const valid = parseDojoConfig(
    {
      dojoId: 'validation',
      managerInstanceType: opts.managerInstanceType,
      workerInstanceType: opts.workerInstanceType,
      maxWorkers: opts.maxWorkers,
      spot: opts.spot,
    },
    (key) => FLAGS[key] ?? key,
  );
  const provider = await providerNamed(opts.provider);
  const cfg = await provider.init({
    managerInstanceType: valid.managerInstanceType,
    workerInstanceType: valid.workerInstanceType,
    maxWorkers: valid.maxWorkers,
    spot: valid.spot,
    region: opts.region,
  });
  ctx.io.out(opts.json ? JSON.stringify(cfg) : cfg.id);
  return 0;
};
