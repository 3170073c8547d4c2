import { parseDojoConfig, type DojoContextKey } from '../../../infra/config';
import { providerNamed, type ProviderName } from '../../../providers';
import { DojoError } from '../../../errors';
import type { CommandHandler } from '../../spec';

/** Checks --tracking-uri: an http(s) URL without credentials in it (those go in MLflow's variables). */
export function parseTrackingUri(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new DojoError('USAGE', `--tracking-uri ${text}: not a URL; give the MLflow server's address, e.g. https://mlflow.example.com`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DojoError('USAGE', `--tracking-uri ${text}: must start with http:// or https://`);
  if (u.username || u.password) {
    throw new DojoError('USAGE', `--tracking-uri: put no credentials in the URI (it is recorded and shown); set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD`);
  }
  return text.replace(/\/+$/, '');
}

interface Opts {
  provider: ProviderName;
  managerInstanceType: string;
  workerInstanceType: string;
  maxWorkers: number;
  spot: boolean;
  region?: string;
  trackingUri?: string;
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
  const trackingUri = opts.trackingUri === undefined ? undefined : parseTrackingUri(opts.trackingUri);
  if (trackingUri && opts.provider === 'aws') {
    // The stack still deploys its own MLflow service and points the HPO service and workers at it.
    throw new DojoError('USAGE', '--tracking-uri: not supported with --provider aws yet (the AWS dojo deploys its own MLflow); use it with --provider local');
  }
  const provider = await providerNamed(opts.provider);
  const cfg = await provider.init({
    managerInstanceType: valid.managerInstanceType,
    workerInstanceType: valid.workerInstanceType,
    maxWorkers: valid.maxWorkers,
    spot: valid.spot,
    region: opts.region,
    ...(trackingUri ? { trackingUri } : {}),
  });
  ctx.io.out(opts.json ? JSON.stringify(cfg) : cfg.id);
  return 0;
};
