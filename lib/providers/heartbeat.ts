// Long waits (deploy, destroy, activate, deactivate: up to 30 minutes on AWS) say something at least every
// 10 seconds, with the elapsed time, even while nothing changes: silence looks like a hang.
import type { ProgressFn } from './provider';

/** Options of withHeartbeat. */
export interface HeartbeatOptions {
  /** Longest silence. @default 10000 */
  readonly everyMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** How often the silence is checked. @default everyMs / 4 */
  readonly checkMs?: number;
}

/** `m:ss` (or `h:mm:ss`). */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/**
 * Runs fn with a progress function that also emits `<what>: still waiting, <elapsed> elapsed (<last
 * line>)` whenever `everyMs` passed without a line, until fn settles.
 */
export async function withHeartbeat<T>(progress: ProgressFn, what: string, fn: (progress: ProgressFn) => Promise<T>, o: HeartbeatOptions = {}): Promise<T> {
  const everyMs = o.everyMs ?? 10_000;
  const now = o.now ?? Date.now;
  const start = now();
  let lastAt = start;
  let last = '';
  const emit: ProgressFn = (line) => {
    lastAt = now();
    last = line;
    progress(line);
  };
  // Checked a few times per period so that the longest silence stays close to everyMs.
  const timer = setInterval(() => {
    if (now() - lastAt < everyMs) return;
    const note = last ? ` (${last.length > 80 ? `${last.slice(0, 77)}...` : last})` : '';
    progress(`${what}: still waiting, ${formatElapsed(now() - start)} elapsed${note}`);
    lastAt = now();
  }, o.checkMs ?? Math.max(10, Math.floor(everyMs / 4)));
  try {
    return await fn(emit);
  } finally {
    clearInterval(timer);
  }
}
