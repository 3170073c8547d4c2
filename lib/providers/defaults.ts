// The defaults of `dojo init`, derived from the dojo config defaults the CDK app uses, so the CLI's
// help, both providers and `cdk deploy -c` cannot disagree. Light: command specs import it.
import { DOJO_CONFIG_DEFAULTS } from '../infra/defaults';

/** What `dojo init` records when an option is not given (every provider). */
export const INIT_DEFAULTS = {
  managerInstanceType: DOJO_CONFIG_DEFAULTS.managerInstanceType,
  workerInstanceType: DOJO_CONFIG_DEFAULTS.workerInstanceType,
  maxWorkers: DOJO_CONFIG_DEFAULTS.maxWorkers,
  spot: DOJO_CONFIG_DEFAULTS.spot,
} as const;

/** How often `dojo job wait` polls a local dojo (reading local files and a loopback service is cheap). */
export const LOCAL_POLL_MS = 1000;

/** How often `dojo job wait` polls an AWS dojo (every poll is several AWS API calls through a tunnel). */
export const AWS_POLL_MS = 5000;
