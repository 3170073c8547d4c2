// The defaults of a dojo's settings, in a module light enough for the CLI's flag help (no zod, no
// CDK): `dojo init`, both providers and `cdk deploy -c` all read them from here.
import type { DojoInfraConfig } from './config';
import { DEFAULT_DOJO_PORTS } from './ports';

/** Defaults of every optional key of a dojo's config. */
export const DOJO_CONFIG_DEFAULTS = {
  managerInstanceType: 't3.xlarge',
  workerInstanceType: 't3.xlarge',
  maxWorkers: 4,
  spot: false,
  private: false,
  keepData: false,
  dataVolumeGiB: 20,
  logRetentionDays: 14,
  trackingPort: DEFAULT_DOJO_PORTS.tracking,
  hpoPort: DEFAULT_DOJO_PORTS.hpo,
  allreducePortFrom: DEFAULT_DOJO_PORTS.allreduceFrom,
  allreducePortTo: DEFAULT_DOJO_PORTS.allreduceTo,
} as const satisfies Partial<DojoInfraConfig>;
