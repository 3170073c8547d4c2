import type { DojoInfo } from '../../../providers/provider';
import { shellAssignments } from '../../shell';

type Pair = readonly [string, string | number | undefined];

/**
 * The book's names for lines of `dojo inspect` → the dojo line each repeats (chapter 12 checks
 * `KAEN_DOJO_STATUS=active` and reads the manager's address with
 * `grep KAEN_DOJO_MANAGER_IP | cut -d '=' -f 2`).
 */
export const KAEN_DOJO_NAMES: Readonly<Record<string, string>> = {
  KAEN_DOJO_ID: 'DOJO_ID',
  KAEN_DOJO_STATUS: 'DOJO_STATUS',
  KAEN_DOJO_MANAGER_IP: 'DOJO_MANAGER_IP',
};

/** `pairs` followed by the book's name of each pair `names` maps, with the same value. */
export function withBookNames(pairs: readonly Pair[], names: Readonly<Record<string, string>>): Pair[] {
  const byName = new Map(pairs);
  return [...pairs, ...Object.entries(names).filter(([, ours]) => byName.has(ours)).map(([book, ours]): Pair => [book, byName.get(ours)])];
}

/** The book's `dojo inspect` output: KEY=VALUE lines, POSIX-quoted so that `eval` runs nothing. */
export function formatDojoInfo(info: DojoInfo): string[] {
  const pairs: Pair[] = [
    ['DOJO_ID', info.id],
    ['DOJO_PROVIDER', info.provider],
    ['DOJO_STATUS', info.status],
    ['DOJO_MANAGER_IP', info.managerIp],
    ['DOJO_TRACKING_URI', info.trackingUri],
    ...(info.trackingServer ? [['DOJO_TRACKING_SERVER', info.trackingServer] as const] : []),
    ['DOJO_HPO_URI', info.hpoUri],
    ['DOJO_WORKERS', info.workers],
    ['DOJO_COST_PER_HOUR', info.costPerHour.toFixed(2)],
    ['DOJO_ACTIVATED_AT', info.activatedAt],
    ['DOJO_CREATED_AT', info.createdAt],
    ...Object.entries(info.extra ?? {}),
  ];
  return shellAssignments(withBookNames(pairs, KAEN_DOJO_NAMES));
}
