// The local ReplicaLauncher: each replica of a trial is `sh -c COMMAND` in the job's workdir, in a
// process group of its own (detached), so that stopping a trial ends everything its command
// started (SIGTERM to the group, SIGKILL after the grace period). MASTER_ADDR is 127.0.0.1 and
// MASTER_PORT a port that was free there a moment before. The groups of a running trial are
// recorded (onGroups) so that a driver that dies is cleaned up after by `job stop` / the reaper.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ReplicaExit, ReplicaLauncher, RunningTrial, TrialLaunch } from '../jobs/driver/launcher';
import { bytesFrom } from './logs';

/** A port free on 127.0.0.1 now (rank 0 binds it for the replicas' rendezvous). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The pids of the live (non-zombie) processes in process group pgid (Linux /proc; empty elsewhere). */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields after the name: state, ppid, pgrp.
      if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') out.push(Number(e));
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

/** True while process group pgid has a live member whose environment carries marker (so it is still ours). */
export function groupIsOurs(pgid: number, marker: string): boolean {
  for (const pid of groupMembers(pgid)) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker)) return true;
    } catch {
      // Gone, or not readable: not provably ours.
    }
  }
  return false;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // Already gone.
  }
}

/** Ends process groups that are still ours: SIGTERM, SIGKILL after graceMs; resolves when they are gone (or 5 s after SIGKILL). */
export async function endGroups(groups: readonly { readonly pgid: number; readonly marker: string }[], graceMs: number): Promise<void> {
  const live = groups.filter((g) => groupIsOurs(g.pgid, g.marker));
  for (const g of live) signalGroup(g.pgid, 'SIGTERM');
  const alive = () => live.some((g) => groupMembers(g.pgid).length > 0);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive()) await new Promise((r) => setTimeout(r, 50));
  for (const g of live) if (groupMembers(g.pgid).length > 0) signalGroup(g.pgid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline && alive()) await new Promise((r) => setTimeout(r, 50));
}

/** Where the local launcher keeps a job's result files, and how it records the groups it runs. */
export interface LocalLauncherOptions {
  /** The folder of the job's result files (created on demand). */
  readonly resultsDir: string;
  /** An environment entry (KEY=VALUE) every replica carries: how a group is known to be ours. */
  readonly marker: string;
  /** Called with the process groups of the running trial (empty once it has ended). */
  readonly onGroups?: (pgids: readonly number[]) => void;
}

/** Starts replicas as local process groups. */
export class LocalReplicaLauncher implements ReplicaLauncher {
  constructor(private readonly o: LocalLauncherOptions) {}

  resultFile(trial: number): string {
    return join(this.o.resultsDir, `trial-${trial}.jsonl`);
  }

  async launch(t: TrialLaunch): Promise<RunningTrial> {
    mkdirSync(this.o.resultsDir, { recursive: true });
    const file = this.resultFile(t.trial);
    rmSync(file, { force: true });
    const port = await freePort();
    const children: ChildProcess[] = [];
    const exits: Promise<ReplicaExit>[] = [];
    const [key, value] = [this.o.marker.slice(0, this.o.marker.indexOf('=')), this.o.marker.slice(this.o.marker.indexOf('=') + 1)];
    try {
      for (let rank = 0; rank < t.replicas; rank++) {
        const env = { ...t.envFor({ rank, worldSize: t.replicas, localRank: rank, localWorldSize: t.replicas, masterAddr: '127.0.0.1', masterPort: port }), [key]: value };
        const child = spawn('/bin/sh', ['-c', t.command], { cwd: t.workdir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const started = new Promise<void>((resolve, reject) => {
          child.once('spawn', resolve);
          child.once('error', reject);
        });
        children.push(child);
        exits.push(this.exitOf(child, rank, t));
        await started;
      }
    } catch (e) {
      await endGroups(this.groups(children), 0);
      throw e;
    }
    this.o.onGroups?.(children.map((c) => c.pid!));
    let offset = 0;
    const all = Promise.all(exits).then(() => this.o.onGroups?.([]));
    void all;
    return {
      ids: children.map((c) => `pid ${c.pid}`),
      exits,
      stop: (graceMs) => endGroups(this.groups(children), graceMs),
      readResults: async (all) => {
        const r = readFrom(file, offset, all ?? false);
        offset += r.bytes;
        return r.text;
      },
    };
  }

  private groups(children: readonly ChildProcess[]): { pgid: number; marker: string }[] {
    return children.filter((c) => c.pid !== undefined).map((c) => ({ pgid: c.pid!, marker: this.o.marker }));
  }

  // Settles when the replica has exited and its output is read; what it left running in its group is ended.
  private exitOf(child: ChildProcess, rank: number, t: TrialLaunch): Promise<ReplicaExit> {
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      const s = child[stream]!;
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) t.onLine(rank, stream, l);
      });
      s.on('end', () => {
        if (partial) t.onLine(rank, stream, partial);
        partial = '';
      });
    }
    return new Promise((resolve) => {
      let code: number | null = null;
      let signal: NodeJS.Signals | null = null;
      child.once('error', () => resolve({ rank, code: null, lost: 'could not be started' }));
      child.once('exit', (c, s) => {
        code = c;
        signal = s;
        // Whatever the command left behind in its group would hold the pipes open: it goes too.
        if (child.pid !== undefined && groupMembers(child.pid).length > 0) void endGroups([{ pgid: child.pid, marker: this.o.marker }], 1000);
      });
      child.once('close', () => resolve({ rank, code, ...(signal ? { signal } : {}) }));
    });
  }
}

// The bytes of file from offset on (none when it does not exist yet).
function readFrom(file: string, offset: number, all: boolean): { text: string; bytes: number } {
  const buf = bytesFrom(file, offset);
  if (buf.length === 0) return { text: '', bytes: 0 };
  // Only whole lines while replicas run: a line being written is read next time.
  const end = all ? buf.length : buf.lastIndexOf(0x0a) + 1;
  const text = buf.subarray(0, end).toString('utf8');
  return { text: all && end > 0 && !text.endsWith('\n') ? `${text}\n` : text, bytes: end };
}
