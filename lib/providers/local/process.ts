// Process management for the local provider: spawn detached processes of this same CLI, and end
// only processes we started — a pid is ours only while its command line still carries our marker
// (the dojo folder), so a recycled pid is never signalled.
import { spawn, execFileSync } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { fileError } from '../../errors';

/** How to run this CLI again (node + its flags + the entry script). */
export interface CliCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** This process's own CLI: works from the bundle (dist/bin/dojo.js) and under tsx. */
export function selfCli(): CliCommand {
  return { command: process.execPath, args: [...process.execArgv, process.argv[1] ?? ''] };
}

/** A process the dojo started, as recorded in its pid files. */
export interface ProcRecord {
  readonly pid: number;
  /** A string the process's command line must contain for the pid to still be ours. */
  readonly marker: string;
  readonly startedAt: string;
}

/** Spawns `cli args...` detached (own process group, survives this process), output appended to logFile. */
export function spawnDetached(cli: CliCommand, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv): number {
  let fd: number;
  try {
    fd = openSync(logFile, 'a');
  } catch (e) {
    throw fileError(e, logFile);
  }
  try {
    const child = spawn(cli.command, [...cli.args, ...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env,
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${cli.command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** The command line of pid, or undefined when no such (live, non-zombie) process exists. */
export function commandLine(pid: number): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name; a zombie has exited already.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // No /proc (macOS): ask ps.
    try {
      const out = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
      return out === '' ? undefined : out;
    } catch {
      return undefined;
    }
  }
}

/** True while the recorded process is running and is still the one we started. */
export function isOurs(rec: ProcRecord): boolean {
  const cmd = commandLine(rec.pid);
  return cmd !== undefined && cmd.includes(rec.marker);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Ends the given processes (only those still ours): SIGTERM, then SIGKILL after graceMs, and waits
 * until they are gone. Returns the pids that could not be ended.
 */
export async function terminate(recs: readonly ProcRecord[], graceMs = 10_000): Promise<number[]> {
  const live = recs.filter(isOurs);
  for (const r of live) signal(r.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && live.some(isOurs)) await sleep(50);
  for (const r of live.filter(isOurs)) signal(r.pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline && live.some(isOurs)) await sleep(50);
  return live.filter(isOurs).map((r) => r.pid);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
