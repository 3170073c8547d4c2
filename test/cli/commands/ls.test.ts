// `dojo ls` and `dojo job ls` as the book captures them (`dojo ls | head -n 1`): into a pipe the
// most recent id alone on the first line, no header; on a terminal (or --long) the table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io';
import { main } from '../../../lib/cli/main';
import type { DojoConfig, JobRecord } from '../../../lib/providers/provider';
import { saveDojoConfig, saveJob } from '../../../lib/providers/state';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dojo-ls-'));
  const dojo = (id: string, createdAt: string): DojoConfig => ({
    id, provider: 'local', createdAt, managerInstanceType: 't3.micro', workerInstanceType: 't3.micro', maxWorkers: 2, spot: false,
  });
  // written out of order: the listing orders by creation time, not by file name
  saveDojoConfig(home, dojo('dojo-0000000b', '2026-01-01T00:00:00.000Z'));
  saveDojoConfig(home, dojo('dojo-0000000a', '2026-01-02T00:00:00.000Z'));
  const job = (id: string, dojoId: string, createdAt: string): JobRecord => ({ id, dojoId, image: '-', createdAt, status: 'created' });
  saveJob(home, job('job-00000002', 'dojo-0000000b', '2026-01-03T00:00:00.000Z'));
  saveJob(home, job('job-00000001', 'dojo-0000000a', '2026-01-04T00:00:00.000Z'));
  saveJob(home, job('job-00000003', 'dojo-0000000a', '2026-01-02T12:00:00.000Z'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function run(argv: string[], tty: boolean): Promise<string[]> {
  const io = memoryIo({ DOJO_HOME: home, PATH: '' }, tty);
  expect(await main(['node', 'dojo', ...argv], io)).toBe(0);
  return io.stdout;
}

describe('dojo ls', () => {
  it('prints the ids alone, most recent first, into a pipe (also as `dojo dojo ls`)', async () => {
    expect(await run(['ls'], false)).toEqual(['dojo-0000000a', 'dojo-0000000b']);
    expect(await run(['dojo', 'ls'], false)).toEqual(['dojo-0000000a', 'dojo-0000000b']);
  });

  it('prints a table from the local index on a terminal', async () => {
    expect(await run(['ls'], true)).toEqual([
      'ID             PROVIDER  CREATED',
      'dojo-0000000a  local     2026-01-02T00:00:00.000Z',
      'dojo-0000000b  local     2026-01-01T00:00:00.000Z',
    ]);
  });
});

describe('dojo job ls', () => {
  it('prints the job ids alone, most recent first across dojos, into a pipe', async () => {
    expect(await run(['job', 'ls'], false)).toEqual(['job-00000001', 'job-00000002', 'job-00000003']);
    expect(await run(['job', 'ls', '--dojo', 'dojo-0000000a'], false)).toEqual(['job-00000001', 'job-00000003']);
  });

  it('prints the table on a terminal or with --long', async () => {
    const table = [
      'JOB           DOJO           STATUS   TRIALS  CREATED',
      'job-00000001  dojo-0000000a  created  -       2026-01-04T00:00:00.000Z',
      'job-00000002  dojo-0000000b  created  -       2026-01-03T00:00:00.000Z',
      'job-00000003  dojo-0000000a  created  -       2026-01-02T12:00:00.000Z',
    ];
    expect(await run(['job', 'ls'], true)).toEqual(table);
    expect(await run(['job', 'ls', '--long'], false)).toEqual(table);
  });

  it('prints nothing at all when there are no jobs (so `head -n 1` is empty)', async () => {
    rmSync(home, { recursive: true, force: true });
    expect(await run(['job', 'ls'], false)).toEqual([]);
    expect(await run(['ls'], true)).toEqual([]);
  });
});
