import type { DojoInfo } from '../../../providers/provider';
import { shellAssignments } from '../../shell';

/** The book's `dojo inspect` output: KEY=VALUE lines, POSIX-quoted so that `eval` runs nothing. */
export function formatDojoInfo(info: DojoInfo): string[] {
  return shellAssignments([
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
  ]);
}
