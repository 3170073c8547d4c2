import { DojoError } from '../../../errors';
import { providerNamed, type InitOptions, type ProviderName } from '../../../providers';
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
  trackingUri: '--tracking-uri',
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
    ...(opts.trackingUri === undefined ? {} : { trackingUri: parseTrackingUri(opts.trackingUri) }),
  };
  provider.validateInit(options, (key) => FLAGS[key]);
  const cfg = await provider.init(options);
  ctx.io.out(opts.json ? JSON.stringify(cfg) : cfg.id);
  return 0;
};
