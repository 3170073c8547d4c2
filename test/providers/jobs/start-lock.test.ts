// The start lock of a job: one holder at a time, a crashed holder's lock broken by the next start.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLockFile, withStartLock } from '../../../lib/providers/jobs/start-lock';

let dir: string;
let record: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'start-lock-'));
  record = join(dir, 'job-0000000a.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const holder = (pid: number) => JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' });

describe('withStartLock', () => {
  it('refuses a second start while the first holds the lock, and frees it after (also on failure)', async () => {
    let inner: unknown;
    await withStartLock(record, 'job-0000000a', async () => {
      inner = await withStartLock(record, 'job-0000000a', async () => 'second').catch((e: Error) => e.message);
    });
    expect(inner).toMatch(new RegExp(`^job job-0000000a is being started by another \`dojo job start\` \\(pid ${process.pid} on `));
    await expect(withStartLock(record, 'job-0000000a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withStartLock(record, 'job-0000000a', async () => 'again')).toBe('again');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('breaks the lock of a start whose process is gone, not of one that lives', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(startLockFile(record), holder(dead));
    expect(await withStartLock(record, 'job-0000000a', async () => 'took over')).toBe('took over');
    expect(existsSync(startLockFile(record))).toBe(false);

    writeFileSync(startLockFile(record), holder(process.ppid));
    await expect(withStartLock(record, 'job-0000000a', async () => 'no')).rejects.toThrow(`pid ${process.ppid}`);
    expect(existsSync(startLockFile(record))).toBe(true);
  });
});
