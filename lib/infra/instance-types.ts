/**
 * The EC2 instance types a dojo offers, with their us-east-1 on-demand Linux prices.
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
} as const;

/** An instance type a dojo offers. */
export type DojoInstanceType = keyof typeof INSTANCE_PRICES_USD_PER_HOUR;

/** The instance types a dojo offers, cheapest family first. */
export const OFFERED_INSTANCE_TYPES = Object.keys(INSTANCE_PRICES_USD_PER_HOUR) as DojoInstanceType[];

/** True when `name` is one of the offered instance types. */
export function isOfferedInstanceType(name: string): name is DojoInstanceType {
  return Object.prototype.hasOwnProperty.call(INSTANCE_PRICES_USD_PER_HOUR, name);
}
