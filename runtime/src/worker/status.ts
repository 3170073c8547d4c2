// The worker's status file (local provider): which trial it runs, so that if this process is
// killed the provider can fail exactly that trial.
import { renameSync, writeFileSync } from 'node:fs';

/** Records the current trial (or null) atomically; a no-op without a status file. */
export function writeStatus(file: string | undefined, trial: number | null, runId?: string): void {
  if (!file) return;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, trial, runId, updatedAt: new Date().toISOString() }));
  renameSync(tmp, file);
}
