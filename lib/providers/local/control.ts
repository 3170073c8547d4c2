// Starting, checking and stopping a local dojo's manager process.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { DojoError } from '../../errors';
import type { DojoStatus, ProgressFn } from '../provider';
import { readJson, writeJsonAtomic } from '../state';
import { layout, type DojoLayout, type ManagerInfo } from './layout';
import { isOurs, spawnDetached, terminate, type CliCommand, type ProcRecord } from './process';
import { TrackingClient } from '../../tracking/client';

/** The marker a manager's command line carries (its dojo folder). */
export function managerMarker(l: DojoLayout): string {
  return `manager serve --dir ${l.dir}`;
}

/** True when GET url answers 2xx within timeoutMs. */
export async function answers(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** True when both services of the manager answer. */
export async function healthy(info: ManagerInfo, timeoutMs = 1500): Promise<boolean> {
  const [t, h] = await Promise.all([
    // Through the tracking client: an existing MLflow may want MLflow's auth variables.
    new TrackingClient(info.trackingUri, { timeoutMs, retries: 0 }).health(),
    answers(`${info.hpoUri}/health`, timeoutMs),
  ]);
  return t && h;
}

/** The manager as recorded and as it is now. */
export interface ManagerState {
  readonly record?: ProcRecord;
  readonly alive: boolean;
  readonly info?: ManagerInfo;
}

/** Reads the manager's pid record and checks the pid is still our manager. */
export function managerState(l: DojoLayout): ManagerState {
  const record = readJson<ProcRecord>(l.managerPid);
  const alive = record !== undefined && isOurs(record);
  const info = alive ? readJson<ManagerInfo>(l.managerInfo) : undefined;
  return { record, alive, info: info && info.pid === record?.pid ? { ...info, ...tokenOf(l) } : undefined };
}

/** `{ token }` from the dojo's token file, or nothing for a dojo without one. */
export function tokenOf(l: DojoLayout): { token?: string } {
  try {
    const token = readFileSync(l.token, 'utf8').trim();
    return token ? { token } : {};
  } catch {
    return {};
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the manager of the dojo in dir (unless it runs and answers) and waits until it is healthy. */
export async function startManager(
  dir: string,
  id: string,
  cli: CliCommand,
  progress: ProgressFn,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 60_000,
): Promise<ManagerInfo> {
  const l = layout(dir);
  const now = managerState(l);
  if (now.alive && now.info && (await healthy(now.info))) return now.info;
  let record = now.record;
  if (!now.alive) {
    mkdirSync(l.logs, { recursive: true });
    mkdirSync(l.pids, { recursive: true });
    rmSync(l.managerInfo, { force: true });
    progress(`starting the manager of ${id} (tracking server + HPO service on 127.0.0.1)`);
    const pid = spawnDetached(cli, ['manager', 'serve', '--dir', dir], `${l.logs}/manager.log`, env);
    record = { pid, marker: managerMarker(l), startedAt: new Date().toISOString() };
    writeJsonAtomic(l.managerPid, record);
  } else {
    progress(`waiting for the manager of ${id} (pid ${record?.pid}) to answer`);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = managerState(l);
    if (!s.alive) {
      throw new DojoError('UNAVAILABLE', `the manager of ${id} exited while starting: ${tail(`${l.logs}/manager.log`)} (log: ${l.logs}/manager.log)`);
    }
    if (s.info && (await healthy(s.info))) return s.info;
    await sleep(100);
  }
  throw new DojoError('UNAVAILABLE', `the manager of ${id} did not answer within ${timeoutMs / 1000} s; see ${l.logs}/manager.log`);
}

/** Stops the manager (only our pid) and forgets its runtime files; keeps its ports for reuse. */
export async function stopManager(l: DojoLayout): Promise<number[]> {
  const record = readJson<ProcRecord>(l.managerPid);
  const left = record ? await terminate([record]) : [];
  if (left.length === 0) {
    rmSync(l.managerPid, { force: true });
    rmSync(l.managerInfo, { force: true });
  }
  return left;
}

/** The last non-empty line of a log file, for error messages. */
export function tail(file: string): string {
  if (!existsSync(file)) return '(no log)';
  const lines = readFileSync(file, 'utf8').split('\n').filter((s) => s.trim() !== '');
  return lines[lines.length - 1] ?? '(empty log)';
}

/** The dojo status implied by the manager state. */
export async function statusOf(s: ManagerState): Promise<DojoStatus> {
  if (!s.alive) return 'inactive';
  if (!s.info) return 'activating';
  return (await healthy(s.info)) ? 'active' : 'degraded';
}
