import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandLine, isOurs, spawnDetached, terminate, type ProcRecord } from '../../../lib/providers/local/process';

let dir: string;
const started: number[] = [];
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dojo-proc-'))));
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const cli = { command: process.execPath, args: [] as string[] };
const sleeper = (marker: string, ignoreTerm = false) =>
  ['-e', `${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''}console.log('up'); setInterval(() => {}, 1000)`, '--', marker];

/** Resolves once the log holds text (a process start takes seconds on a loaded machine); the test's timeout bounds it. */
async function printed(log: string, text: string): Promise<void> {
  while (!readFileSync(log, 'utf8').includes(text)) await new Promise((r) => setTimeout(r, 20));
}

describe('local processes', () => {
  it('spawns a detached process whose output goes to its log, and ends it by pid', async () => {
    const log = join(dir, 'p.log');
    const pid = spawnDetached(cli, sleeper(`--dir=${dir}`), log, process.env);
    started.push(pid);
    const rec: ProcRecord = { pid, marker: `--dir=${dir}`, startedAt: new Date().toISOString() };
    expect(isOurs(rec)).toBe(true);
    expect(commandLine(pid)).toContain(dir);
    await printed(log, 'up');
    expect(await terminate([rec], 2000)).toEqual([]);
    expect(isOurs(rec)).toBe(false);
  });

  it('never signals a pid whose command line is not ours (a recycled pid)', async () => {
    const pid = spawnDetached(cli, sleeper('something-else'), join(dir, 'q.log'), process.env);
    started.push(pid);
    const stale: ProcRecord = { pid, marker: `--dir=${dir}`, startedAt: '' };
    expect(isOurs(stale)).toBe(false);
    await terminate([stale], 200);
    expect(commandLine(pid)).toBeDefined();
  });

  it('kills a process that ignores SIGTERM after the grace period', async () => {
    const log = join(dir, 'r.log');
    const pid = spawnDetached(cli, sleeper(`--dir=${dir}`, true), log, process.env);
    started.push(pid);
    // 'up' is printed after the SIGTERM handler is installed.
    await printed(log, 'up');
    const rec: ProcRecord = { pid, marker: `--dir=${dir}`, startedAt: '' };
    const t = Date.now();
    expect(await terminate([rec], 500)).toEqual([]);
    expect(Date.now() - t).toBeGreaterThanOrEqual(450);
    expect(isOurs(rec)).toBe(false);
  });

  it('treats a missing pid as not running', () => {
    expect(commandLine(0)).toBeUndefined();
    expect(commandLine(2 ** 22 + 1)).toBeUndefined();
  });
});
