/**
 * The EC2 instance types a dojo offers, with their us-east-1 on-demand Linux prices, vCPUs and
 * GPUs. GPU types are for the workers of command jobs (the manager and the bundled fare model
 * stay on CPU).
 *
 * Prices are the public on-demand rates for us-east-1 (Linux, shared tenancy) as published by
 * AWS in 2024–2025; other regions cost more or less. T3 instances run in "unlimited" credit mode
 * (the ECS default), which adds $0.05 per vCPU-hour only while CPU use stays above the baseline:
 * not included here.
 */
export const INSTANCE_PRICES_USD_PER_HOUR = {
  't3.medium': 0.0416,
  't3.large': 0.0832,
  't3.xlarge': 0.1664,
  't3.2xlarge': 0.3328,
  'm5.large': 0.096,
  'm5.xlarge': 0.192,
  'm5.2xlarge': 0.384,
  'c5.xlarge': 0.17,
  'c5.2xlarge': 0.34,
  // GPU types: NVIDIA T4 (g4dn), A10G (g5), L4 (g6), V100 (p3).
  'g4dn.xlarge': 0.526,
  'g4dn.2xlarge': 0.752,
  'g4dn.4xlarge': 1.204,
  'g4dn.12xlarge': 3.912,
  'g5.xlarge': 1.006,
  'g5.2xlarge': 1.212,
  'g5.4xlarge': 1.624,
  'g5.12xlarge': 5.672,
  'g6.xlarge': 0.8048,
  'g6.2xlarge': 0.9776,
  'g6.4xlarge': 1.3232,
  'g6.12xlarge': 4.6016,
  'p3.2xlarge': 3.06,
  'p3.8xlarge': 12.24,
} as const;

/** An instance type a dojo offers. */
export type DojoInstanceType = keyof typeof INSTANCE_PRICES_USD_PER_HOUR;

/** The instance types a dojo offers, cheapest family first. */
export const OFFERED_INSTANCE_TYPES = Object.keys(INSTANCE_PRICES_USD_PER_HOUR) as DojoInstanceType[];

/** True when `name` is one of the offered instance types. */
export function isOfferedInstanceType(name: string): name is DojoInstanceType {
  return Object.prototype.hasOwnProperty.call(INSTANCE_PRICES_USD_PER_HOUR, name);
}

/** vCPUs of each offered type: ECS registers 1024 CPU units per vCPU. */
export const INSTANCE_VCPUS: Readonly<Record<DojoInstanceType, number>> = {
  't3.medium': 2,
  't3.large': 2,
  't3.xlarge': 4,
  't3.2xlarge': 8,
  'm5.large': 2,
  'm5.xlarge': 4,
  'm5.2xlarge': 8,
  'c5.xlarge': 4,
  'c5.2xlarge': 8,
  'g4dn.xlarge': 4,
  'g4dn.2xlarge': 8,
  'g4dn.4xlarge': 16,
  'g4dn.12xlarge': 48,
  'g5.xlarge': 4,
  'g5.2xlarge': 8,
  'g5.4xlarge': 16,
  'g5.12xlarge': 48,
  'g6.xlarge': 4,
  'g6.2xlarge': 8,
  'g6.4xlarge': 16,
  'g6.12xlarge': 48,
  'p3.2xlarge': 8,
  'p3.8xlarge': 32,
};

/** GPUs of each offered type (`0` for CPU types): a command job's tasks reserve them all. */
export const INSTANCE_GPUS: Readonly<Record<DojoInstanceType, number>> = {
  't3.medium': 0,
  't3.large': 0,
  't3.xlarge': 0,
  't3.2xlarge': 0,
  'm5.large': 0,
  'm5.xlarge': 0,
  'm5.2xlarge': 0,
  'c5.xlarge': 0,
  'c5.2xlarge': 0,
  'g4dn.xlarge': 1,
  'g4dn.2xlarge': 1,
  'g4dn.4xlarge': 1,
  'g4dn.12xlarge': 4,
  'g5.xlarge': 1,
  'g5.2xlarge': 1,
  'g5.4xlarge': 1,
  'g5.12xlarge': 4,
  'g6.xlarge': 1,
  'g6.2xlarge': 1,
  'g6.4xlarge': 1,
  'g6.12xlarge': 4,
  'p3.2xlarge': 1,
  'p3.8xlarge': 4,
};

/** True when instances of this type have GPUs (their hosts boot the ECS GPU-optimized AMI). */
export function hasGpus(type: DojoInstanceType): boolean {
  return INSTANCE_GPUS[type] > 0;
}

/** The offered types without GPUs: the manager runs on one of these (it serves, it does not train). */
export const CPU_INSTANCE_TYPES: readonly DojoInstanceType[] = OFFERED_INSTANCE_TYPES.filter((t) => !hasGpus(t));

/**
 * Types an Auto Scaling group may launch instead of each offered type when that one is short
 * (Spot or on-demand `InsufficientInstanceCapacity`): the same vCPUs (so one worker task still
 * fills one instance) and at least the same memory, from the same family line where it exists.
 * GPU types name only types with the same number of NVIDIA GPUs of at least the same GPU memory
 * (T4 16 GB → L4 24 GB, A10G ↔ L4) and not twice the price (so never g4dn → g5); the V100 types
 * have no such twin. The first entry is always the
 * type itself.
 */
export const INSTANCE_ALTERNATIVES: Readonly<Record<DojoInstanceType, readonly string[]>> = {
  't3.medium': ['t3.medium', 't3a.medium'],
  't3.large': ['t3.large', 't3a.large', 'm5.large', 'm5a.large', 'm6i.large'],
  't3.xlarge': ['t3.xlarge', 't3a.xlarge', 'm5.xlarge', 'm5a.xlarge', 'm6i.xlarge'],
  't3.2xlarge': ['t3.2xlarge', 't3a.2xlarge', 'm5.2xlarge', 'm5a.2xlarge', 'm6i.2xlarge'],
  'm5.large': ['m5.large', 'm5a.large', 'm6i.large', 'm6a.large'],
  'm5.xlarge': ['m5.xlarge', 'm5a.xlarge', 'm6i.xlarge', 'm6a.xlarge'],
  'm5.2xlarge': ['m5.2xlarge', 'm5a.2xlarge', 'm6i.2xlarge', 'm6a.2xlarge'],
  'c5.xlarge': ['c5.xlarge', 'c5a.xlarge', 'c6i.xlarge', 'c6a.xlarge'],
  'c5.2xlarge': ['c5.2xlarge', 'c5a.2xlarge', 'c6i.2xlarge', 'c6a.2xlarge'],
  'g4dn.xlarge': ['g4dn.xlarge', 'g6.xlarge'],
  'g4dn.2xlarge': ['g4dn.2xlarge', 'g6.2xlarge'],
  'g4dn.4xlarge': ['g4dn.4xlarge', 'g6.4xlarge'],
  'g4dn.12xlarge': ['g4dn.12xlarge', 'g6.12xlarge'],
  'g5.xlarge': ['g5.xlarge', 'g6.xlarge'],
  'g5.2xlarge': ['g5.2xlarge', 'g6.2xlarge'],
  'g5.4xlarge': ['g5.4xlarge', 'g6.4xlarge'],
  'g5.12xlarge': ['g5.12xlarge', 'g6.12xlarge'],
  'g6.xlarge': ['g6.xlarge', 'g5.xlarge'],
  'g6.2xlarge': ['g6.2xlarge', 'g5.2xlarge'],
  'g6.4xlarge': ['g6.4xlarge', 'g5.4xlarge'],
  'g6.12xlarge': ['g6.12xlarge', 'g5.12xlarge'],
  'p3.2xlarge': ['p3.2xlarge'],
  'p3.8xlarge': ['p3.8xlarge'],
};

/** The CPU units a task must reserve to be the only task on an instance of this type (vCPUs × 1024). */
export function wholeInstanceCpuUnits(type: DojoInstanceType): number {
  return INSTANCE_VCPUS[type] * 1024;
}
