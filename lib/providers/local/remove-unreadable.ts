// `dojo rm` of a dojo whose config.json cannot be read (not JSON, not a dojo config): its provider
// and settings are unknown, but its folder still says what this machine started for it — the
// processes recorded under pids/ — so those are ended (only while still ours) and the folder removed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressFn, RemoveResult } from '../provider';
import { dojoDir, readJson } from '../state';
import { layout } from './layout';
import { isOurs, terminate, type ProcRecord } from './process';

/** The processes recorded in a dojo's pids/ folder (manager and workers), whatever their files hold. */
function recordedProcesses(pidsDir: string): ProcRecord[] {
  let names: string[];
  try {
    names = readdirSync(pidsDir);
  } catch {
    return [];
  }
  const out: ProcRecord[] = [];
  for (const n of names.filter((x) => x.endsWith('.json') && !x.endsWith('.status.json'))) {
    let v: unknown;
    try {
      v = readJson<unknown>(join(pidsDir, n));
    } catch {
      continue;
    }
    for (const r of Array.isArray(v) ? v : [v]) {
      const p = r as Partial<ProcRecord> | null;
      if (p && typeof p.pid === 'number' && typeof p.marker === 'string' && typeof p.startedAt === 'string') out.push(p as ProcRecord);
    }
  }
  return out;
}

/** Removes the dojo id whose config is unreadable: ends its recorded processes, removes its folder, says what remains. */
export async function removeUnreadableDojo(home: string, id: string, progress: ProgressFn): Promise<RemoveResult> {
  const dir = dojoDir(home, id);
  const l = layout(dir);
  const procs = recordedProcesses(l.pids);
  const live = procs.filter(isOurs);
  if (live.length > 0) progress(`stopping ${live.length} process(es) recorded for ${id}`);
  const left = await terminate(procs);
  const remaining = left.map((pid) => `process ${pid}`);
  // An AWS dojo keeps aws.json beside its config: without the config its region is unknown.
  const aws = existsSync(join(dir, 'aws.json'));
  if (left.length === 0) {
    progress(`removing ${dir}`);
    rmSync(dir, { recursive: true, force: true });
  }
  if (existsSync(dir)) remaining.push(`folder ${dir}`);
  if (aws) remaining.push(`AWS resources of ${id}, if any (its config.json was unreadable, so its region is unknown): look for the CloudFormation stack and resources tagged dojo:id=${id}`);
  return { id, remaining };
}
