import { z } from 'zod';
import { DojoError } from '../errors';
import { CPU_INSTANCE_TYPES, OFFERED_INSTANCE_TYPES, hasGpus, isOfferedInstanceType, type DojoInstanceType } from './instance-types';
import { DOJO_CONFIG_DEFAULTS } from './defaults';

/** CloudWatch Logs retention periods (days) that the API accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Everything that shapes one dojo on AWS; built from CDK context (`-c key=value`) or CLI flags. */
export interface DojoInfraConfig {
  /** Names the dojo: 1–20 lowercase letters, digits or dashes. */
  readonly dojoId: string;
  /** Instance type of the manager (tracking server + HPO service): a CPU type. */
  readonly managerInstanceType: DojoInstanceType;
  /** Instance type of the workers; a GPU type gives them the GPU AMI and command jobs its GPUs. */
  readonly workerInstanceType: DojoInstanceType;
  /** Upper bound of the worker group (it scales from 0). */
  readonly maxWorkers: number;
  /** Workers on Spot capacity (the manager always stays on-demand: it holds the tracking data). */
  readonly spot: boolean;
  /** Private subnets with a NAT gateway instead of public subnets without one. */
  readonly private: boolean;
  /** One IPv4 CIDR allowed to reach the tracking UI directly; otherwise SSM port forwarding only. */
  readonly uiAllowCidr?: string;
  /** Keep the bucket and the manager's data volume when the stack is destroyed. */
  readonly keepData: boolean;
  /** Size of the manager's persistent data volume (GiB). */
  readonly dataVolumeGiB: number;
  /** Retention of every log group of the dojo (days). */
  readonly logRetentionDays: number;
  /** MLflow tracking server port. */
  readonly trackingPort: number;
  /** HPO service port (also the rendezvous port). */
  readonly hpoPort: number;
  /** First port of the worker-to-worker allreduce range. */
  readonly allreducePortFrom: number;
  /** Last port (inclusive) of the allreduce range. */
  readonly allreducePortTo: number;
  /** An existing MLflow server the dojo uses (`dojo init --tracking-uri`): no tracking service is deployed. */
  readonly trackingUri?: string;
  /**
   * MLflow auth variables the CLI stored as SSM SecureStrings (trackingSecretParameterName) for
   * the HPO service and the workers; given as a comma-separated list in CDK context.
   */
  readonly trackingSecrets: readonly TrackingSecretName[];
}

/** MLflow's own auth variables, passed to the dojo's MLflow clients as secrets (never plain environment). */
export const TRACKING_SECRET_NAMES = ['MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_INSECURE_TLS'] as const;

/** One of TRACKING_SECRET_NAMES. */
export type TrackingSecretName = (typeof TRACKING_SECRET_NAMES)[number];

/** The keys a dojo config is read from, e.g. `cdk deploy -c maxWorkers=8`. */
export const DOJO_CONTEXT_KEYS = [
  'dojoId',
  'managerInstanceType',
  'workerInstanceType',
  'maxWorkers',
  'spot',
  'private',
  'uiAllowCidr',
  'keepData',
  'dataVolumeGiB',
  'logRetentionDays',
  'trackingPort',
  'hpoPort',
  'allreducePortFrom',
  'allreducePortTo',
  'trackingUri',
  'trackingSecrets',
] as const satisfies readonly (keyof DojoInfraConfig)[];

/** One key of DOJO_CONTEXT_KEYS. */
export type DojoContextKey = (typeof DOJO_CONTEXT_KEYS)[number];

/** Defaults of every optional key (in their own light module, which the CLI's flag help reads too). */
export { DOJO_CONFIG_DEFAULTS };

const DOJO_ID = /^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

// Context values from `-c` are strings; cdk.json may hold real numbers and booleans.
const wholeNumber = (s: unknown): unknown => (typeof s === 'string' && /^-?\d+$/.test(s.trim()) ? Number(s.trim()) : s);
const flag = (s: unknown): unknown => (s === 'true' ? true : s === 'false' ? false : s);
const int = (min: number, max: number) => z.preprocess(wholeNumber, z.number().int().min(min).max(max));
const port = () => int(1024, 65535);

function isIpv4Cidr(s: string): boolean {
  const m = IPV4_CIDR.exec(s);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) && Number(m[5]) <= 32;
}

// What each key must be, in words: every error message says it with the offending value.
const EXPECTED: Record<DojoContextKey, string> = {
  dojoId: 'must be 1-20 lowercase letters, digits or dashes, not starting or ending with a dash',
  managerInstanceType: `must be one of ${CPU_INSTANCE_TYPES.join(', ')} (the manager serves MLflow and the HPO service: no GPU type)`,
  workerInstanceType: `must be one of ${OFFERED_INSTANCE_TYPES.join(', ')}`,
  maxWorkers: 'must be a whole number >= 0 and <= 100',
  spot: 'must be true or false',
  private: 'must be true or false',
  uiAllowCidr: 'must be one IPv4 network like 203.0.113.7/32 (not 0.0.0.0/0: nothing is opened to the whole internet)',
  keepData: 'must be true or false',
  dataVolumeGiB: 'must be a whole number of GiB from 1 to 1024',
  logRetentionDays: `must be one of the CloudWatch retention periods ${LOG_RETENTION_DAYS.join(', ')}`,
  trackingPort: 'must be a whole number from 1024 to 65535',
  hpoPort: 'must be a whole number from 1024 to 65535',
  allreducePortFrom: 'must be a whole number from 1024 to 65535',
  allreducePortTo: 'must be a whole number from 1024 to 65535',
  trackingUri: 'must be an http:// or https:// URL without credentials (set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD instead)',
  trackingSecrets: `must be a comma-separated list of ${TRACKING_SECRET_NAMES.join(', ')}, with a trackingUri`,
};

function isTrackingUri(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '' && u.hostname !== '';
  } catch {
    return false;
  }
}

const list = (s: unknown): unknown => (typeof s === 'string' ? s.split(',').map((x) => x.trim()).filter((x) => x !== '') : s);

const schema = z.object({
  dojoId: z.string().regex(DOJO_ID),
  managerInstanceType: z
    .string()
    .refine((t) => isOfferedInstanceType(t) && !hasGpus(t))
    .default(DOJO_CONFIG_DEFAULTS.managerInstanceType),
  workerInstanceType: z.string().refine(isOfferedInstanceType).default(DOJO_CONFIG_DEFAULTS.workerInstanceType),
  maxWorkers: int(0, 100).default(DOJO_CONFIG_DEFAULTS.maxWorkers),
  spot: z.preprocess(flag, z.boolean()).default(DOJO_CONFIG_DEFAULTS.spot),
  private: z.preprocess(flag, z.boolean()).default(DOJO_CONFIG_DEFAULTS.private),
  uiAllowCidr: z
    .string()
    .refine((s) => isIpv4Cidr(s) && !s.endsWith('/0'))
    .optional(),
  keepData: z.preprocess(flag, z.boolean()).default(DOJO_CONFIG_DEFAULTS.keepData),
  dataVolumeGiB: int(1, 1024).default(DOJO_CONFIG_DEFAULTS.dataVolumeGiB),
  logRetentionDays: z
    .preprocess(wholeNumber, z.number().refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n)))
    .default(DOJO_CONFIG_DEFAULTS.logRetentionDays),
  trackingPort: port().default(DOJO_CONFIG_DEFAULTS.trackingPort),
  hpoPort: port().default(DOJO_CONFIG_DEFAULTS.hpoPort),
  allreducePortFrom: port().default(DOJO_CONFIG_DEFAULTS.allreducePortFrom),
  allreducePortTo: port().default(DOJO_CONFIG_DEFAULTS.allreducePortTo),
  trackingUri: z.string().refine(isTrackingUri).optional(),
  trackingSecrets: z.preprocess(list, z.array(z.enum(TRACKING_SECRET_NAMES))).default([]),
});

/** How to name a key in an error: `context maxWorkers` for CDK, `--max-workers` for the CLI. */
export type DescribeConfigKey = (key: DojoContextKey) => string;

const contextKey: DescribeConfigKey = (key) => `context ${key}`;

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * Validates a raw dojo config (strings from `-c`, or typed values) and fills in the defaults.
 * Throws DojoError('USAGE') naming the key and the bad value, e.g.
 * `context maxWorkers: must be a whole number >= 0 and <= 100, got "-1"`.
 * The CLI passes its own `describeKey` so the message names its flag instead.
 */
export function parseDojoConfig(raw: Readonly<Record<string, unknown>>, describeKey: DescribeConfigKey = contextKey): DojoInfraConfig {
  // Empty strings come from `-c key=` and mean "not given".
  const input: Record<string, unknown> = {};
  for (const key of DOJO_CONTEXT_KEYS) {
    const v = raw[key];
    if (v !== undefined && v !== null && v !== '') input[key] = typeof v === 'string' ? v.trim() : v;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.path[0] as DojoContextKey | undefined;
    if (key === undefined || !(key in EXPECTED)) {
      throw new DojoError('USAGE', `dojo config: ${issue?.message ?? 'invalid'}`);
    }
    const what = key === 'dojoId' && input.dojoId === undefined ? 'is required (e.g. -c dojoId=demo)' : EXPECTED[key];
    throw new DojoError('USAGE', `${describeKey(key)}: ${what}, got ${show(raw[key])}`);
  }
  const c = result.data as DojoInfraConfig;
  checkPorts(c, describeKey);
  if (c.trackingSecrets.length > 0 && c.trackingUri === undefined) {
    // The dojo's own MLflow takes no credentials: secrets without a URI are a mistake.
    throw new DojoError('USAGE', `${describeKey('trackingSecrets')}: ${EXPECTED.trackingSecrets}, got ${show(raw.trackingSecrets)}`);
  }
  return c;
}

function checkPorts(c: DojoInfraConfig, describeKey: DescribeConfigKey): void {
  if (c.allreducePortTo < c.allreducePortFrom) {
    throw new DojoError(
      'USAGE',
      `${describeKey('allreducePortTo')}: must be >= allreducePortFrom (${c.allreducePortFrom}), got ${c.allreducePortTo}`,
    );
  }
  if (c.trackingPort === c.hpoPort) {
    throw new DojoError('USAGE', `${describeKey('hpoPort')}: must differ from trackingPort, got ${c.hpoPort} for both`);
  }
  for (const key of ['trackingPort', 'hpoPort'] as const) {
    if (c[key] >= c.allreducePortFrom && c[key] <= c.allreducePortTo) {
      throw new DojoError(
        'USAGE',
        `${describeKey(key)}: must be outside the allreduce range ${c.allreducePortFrom}-${c.allreducePortTo}, got ${c[key]}`,
      );
    }
  }
}

/** Reads and validates the dojo config from a construct's CDK context. */
export function dojoConfigFromContext(tryGetContext: (key: string) => unknown): DojoInfraConfig {
  const raw: Record<string, unknown> = {};
  for (const key of DOJO_CONTEXT_KEYS) raw[key] = tryGetContext(key);
  return parseDojoConfig(raw);
}

/**
 * The CDK context (`-c key=value` pairs, all strings) that reproduces a config: what a provider
 * hands to toolkit-lib to synthesize the same dojo.
 */
export function dojoConfigToContext(config: DojoInfraConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of DOJO_CONTEXT_KEYS) {
    const v = config[key];
    if (Array.isArray(v)) {
      if (v.length > 0) out[key] = v.join(',');
    } else if (v !== undefined) out[key] = String(v);
  }
  return out;
}
