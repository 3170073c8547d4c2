// How much memory a process may keep parsed data in: a size given by the user, or a share of the
// memory it can use (its container's limit, else the machine's).
import { totalmem } from 'node:os';
import { DojoError } from '../../../lib/errors';

/** The share of usable memory a worker keeps data in when not told otherwise. */
export const DEFAULT_DATA_MEMORY_SHARE = 0.25;

/** Bytes this process may use: its cgroup's (container's) limit when it has one, else the machine's memory. */
export function usableMemory(): number {
  const total = totalmem();
  // 0 (or a huge number, for cgroup v2's "max") means no limit below the machine's memory.
  const constrained = typeof process.constrainedMemory === 'function' ? Number(process.constrainedMemory() ?? 0) : 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/** The budget when none is given: DEFAULT_DATA_MEMORY_SHARE of the usable memory. */
export function defaultDataMemory(): number {
  return Math.floor(DEFAULT_DATA_MEMORY_SHARE * usableMemory());
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4 };

/**
 * Parses a memory size: bytes (`1048576`), with a unit (`512MB`, `512MiB`, `1.5G`), or a share of the
 * usable memory (`40%`). `0` turns keeping data off. `what` names the setting in the error.
 */
export function parseMemorySize(text: string, what: string, usable: number = usableMemory()): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%|[a-z]*)\s*$/i.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? '';
  if (!m || (unit !== '%' && !(unit in UNITS))) {
    throw new DojoError('USAGE', `${what}: "${text}" is not a memory size; use bytes, a unit (512MB, 2GiB) or a share of memory (25%), 0 for none`);
  }
  const n = Number(m[1]);
  if (unit === '%') {
    if (n > 100) throw new DojoError('USAGE', `${what}: "${text}" is more than all of the memory (at most 100%)`);
    return Math.floor((usable * n) / 100);
  }
  return Math.floor(n * UNITS[unit]!);
}

/** Megabytes, for messages. */
export function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}
