import { DojoError } from '../errors';
import { INSTANCE_GPUS, INSTANCE_PRICES_USD_PER_HOUR, hasGpus, type DojoInstanceType } from './instance-types';

/**
 * Prices (USD, us-east-1, public list prices 2024–2025) of the billable parts of a dojo other
 * than instances. Monthly prices are converted with 730 hours per month, as AWS does.
 */
export const PRICES = {
  /** Hours in a billing month. */
  hoursPerMonth: 730,
  /** EBS gp3 storage, per GiB-month (baseline 3000 IOPS / 125 MB/s included). */
  gp3PerGiBMonth: 0.08,
  /** NAT gateway, per hour (data processed, $0.045/GB, is usage and not included). */
  natGatewayPerHour: 0.045,
  /** Every public IPv4 address (instances and the NAT gateway's Elastic IP), per hour. */
  publicIpv4PerHour: 0.005,
  /** S3 Standard storage, per GB-month. */
  s3PerGiBMonth: 0.023,
  /**
   * Spot price as a fraction of on-demand. Spot prices move hourly; for these families in
   * us-east-1 they have mostly sat 60–70% below on-demand, so the estimate assumes 35%.
   */
  spotFractionOfOnDemand: 0.35,
  /** Root volume of every ECS instance (GiB): the ECS-optimized AL2023 AMI needs 30. */
  rootVolumeGiB: 30,
  /** Root volume of a GPU worker (GiB): the GPU AMI and a CUDA training image. */
  gpuRootVolumeGiB: 100,
} as const;

/** The part of the config the cost depends on. */
export interface DojoCostConfig {
  /** Manager instance type (always on-demand). */
  readonly managerInstanceType: DojoInstanceType;
  /** Worker instance type. */
  readonly workerInstanceType: DojoInstanceType;
  /** Upper bound of busy workers. */
  readonly maxWorkers: number;
  /** Workers on Spot. */
  readonly spot: boolean;
  /** Private subnets with a NAT gateway. */
  readonly private: boolean;
  /** Manager data volume (GiB). */
  readonly dataVolumeGiB: number;
}

/**
 * What the dojo is doing: workers exist only while tasks need them; a deactivated dojo has no
 * instance at all and keeps only its data.
 */
export type DojoCostState =
  | { readonly kind: 'active'; readonly busyWorkers: number }
  | { readonly kind: 'active-idle' }
  | { readonly kind: 'deactivated' };

/** One billable part, per hour. */
export interface DojoCostItem {
  /** What is billed, e.g. `manager t3.xlarge`. */
  readonly item: string;
  /** Instances (compute) or everything else. */
  readonly kind: 'compute' | 'storage' | 'network';
  /** USD per hour. */
  readonly usdPerHour: number;
}

/** The cost of a dojo in one state. */
export interface DojoCost {
  /** Every billable part with a non-zero price. */
  readonly items: readonly DojoCostItem[];
  /** Sum of the compute items. */
  readonly computeUsdPerHour: number;
  /** Sum of everything. */
  readonly totalUsdPerHour: number;
  /** `totalUsdPerHour` × 730. */
  readonly totalUsdPerMonth: number;
}

/** Options of dojoHourlyCost. */
export interface DojoCostOptions {
  /** Bytes kept in the bucket, in GiB. @default 0 */
  readonly bucketGiB?: number;
}

const perHour = (perMonth: number): number => perMonth / PRICES.hoursPerMonth;

/**
 * Hourly cost (USD, us-east-1 list prices) of a dojo in a state. Usage-priced parts (S3
 * requests, NAT and inter-AZ data, CloudWatch ingestion, T3 surplus credits) are not included.
 * Pure: the same inputs give the same numbers.
 */
export function dojoHourlyCost(config: DojoCostConfig, state: DojoCostState, options: DojoCostOptions = {}): DojoCost {
  const busy = busyWorkers(config, state);
  const running = state.kind !== 'deactivated';
  const items: DojoCostItem[] = [];
  const add = (item: string, kind: DojoCostItem['kind'], usdPerHour: number): void => {
    if (usdPerHour > 0) items.push({ item, kind, usdPerHour });
  };

  if (running) {
    add(`manager ${config.managerInstanceType} (on-demand)`, 'compute', INSTANCE_PRICES_USD_PER_HOUR[config.managerInstanceType]);
    add(`manager root volume gp3 ${PRICES.rootVolumeGiB} GiB`, 'storage', perHour(PRICES.rootVolumeGiB * PRICES.gp3PerGiBMonth));
  }
  const worker = config.workerInstanceType;
  const workerPrice = INSTANCE_PRICES_USD_PER_HOUR[worker] * (config.spot ? PRICES.spotFractionOfOnDemand : 1);
  const gpus = hasGpus(worker) ? `${INSTANCE_GPUS[worker]} GPU, ` : '';
  add(`${busy} × worker ${worker} (${gpus}${config.spot ? 'spot, estimated' : 'on-demand'})`, 'compute', busy * workerPrice);
  const workerRoot = hasGpus(worker) ? PRICES.gpuRootVolumeGiB : PRICES.rootVolumeGiB;
  add(`${busy} × worker root volume gp3 ${workerRoot} GiB`, 'storage', busy * perHour(workerRoot * PRICES.gp3PerGiBMonth));
  add(`manager data volume gp3 ${config.dataVolumeGiB} GiB`, 'storage', perHour(config.dataVolumeGiB * PRICES.gp3PerGiBMonth));
  add(`S3 bucket ${options.bucketGiB ?? 0} GiB`, 'storage', perHour((options.bucketGiB ?? 0) * PRICES.s3PerGiBMonth));

  // In the default (public) layout every running instance has a public IPv4 address; with
  // `private` only the NAT gateway's Elastic IP has one, and the gateway bills even when idle.
  if (config.private) {
    add('NAT gateway', 'network', PRICES.natGatewayPerHour);
    add('NAT gateway Elastic IP', 'network', PRICES.publicIpv4PerHour);
  } else {
    const instances = (running ? 1 : 0) + busy;
    add(`${instances} × public IPv4 address`, 'network', instances * PRICES.publicIpv4PerHour);
  }

  const sum = (xs: readonly DojoCostItem[]): number => xs.reduce((s, x) => s + x.usdPerHour, 0);
  const total = sum(items);
  return {
    items,
    computeUsdPerHour: sum(items.filter((x) => x.kind === 'compute')),
    totalUsdPerHour: total,
    totalUsdPerMonth: total * PRICES.hoursPerMonth,
  };
}

function busyWorkers(config: DojoCostConfig, state: DojoCostState): number {
  if (state.kind !== 'active') return 0;
  const n = state.busyWorkers;
  if (!Number.isInteger(n) || n < 0 || n > config.maxWorkers) {
    throw new DojoError('USAGE', `busyWorkers: must be a whole number from 0 to maxWorkers (${config.maxWorkers}), got ${n}`);
  }
  return n;
}

/** Formats a cost as a Markdown table (item | USD/h), with the total last. */
export function formatDojoCostTable(cost: DojoCost): string {
  const rows = cost.items.map((x) => `| ${x.item} | ${x.usdPerHour.toFixed(4)} |`);
  return ['| item | USD/h |', '|---|---:|', ...rows, `| **total** | **${cost.totalUsdPerHour.toFixed(4)}** |`].join('\n');
}
