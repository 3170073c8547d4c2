// The result file's follower, the sidecar of a command task on AWS: the class on its own (partial
// lines, a split UTF-8 character, a truncated file, blank lines), and the real command as the
// sidecar runs it (`node dist/runtime/dojo.mjs job follow-results --file F`, the runtime image's
// entry point): lines appended before and after it started, a partial last line held back until
// SIGTERM, which writes the rest and then the end marker and exits 0.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_END_MARKER, ResultFileFollower } from '../../lib/jobs/result-follower';
import { ensureBuilt } from '../e2e/harness';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dojo-follow-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ResultFileFollower', () => {
  it('waits for a file that is not there yet, writes whole lines only, keeps a split UTF-8 character, skips blank lines, follows a truncated file from its start, and finish() flushes the partial line then the marker', () => {
    const file = join(dir, 'unit.jsonl');
    const out: string[] = [];
    const f = new ResultFileFollower({ file, write: (l) => out.push(l) });
    expect(f.look()).toBe(0);
    writeFileSync(file, '{"step": 0, "value": 1}\n\n{"note": "');
    expect(f.look()).toBe(1);
    const e = Buffer.from('é');
    appendFileSync(file, e.subarray(0, 1));
    expect(f.look()).toBe(0);
    appendFileSync(file, Buffer.concat([e.subarray(1), Buffer.from('"}\r\n')]));
    expect(f.look()).toBe(1);
    truncateSync(file, 0);
    writeFileSync(file, '{"value": 2}\n{"val');
    expect(f.look()).toBe(1);
    f.finish();
    f.finish();
    expect(out).toEqual(['{"step": 0, "value": 1}', '{"note": "é"}', '{"value": 2}', '{"val', RESULT_END_MARKER]);
  });
});

// The follower process and its stdout, line by line; `until` resolves once a condition holds on the lines so far.
function follow(file: string): { child: ChildProcessByStdio<null, Readable, Readable>; lines: string[]; until: (ok: (l: string[]) => boolean) => Promise<void>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [resolve('dist/runtime/dojo.mjs'), 'job', 'follow-results', '--file', file, '--poll-ms', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const until = (ok: (l: string[]) => boolean) =>
    new Promise<void>((res, rej) => {
      // Bounded: a follower that never writes fails the test instead of hanging it.
      const timer = setTimeout(() => rej(new Error(`follower wrote ${JSON.stringify(lines)}; stderr: ${stderr}`)), 60_000);
      const check = () => {
        if (ok(lines)) {
          clearTimeout(timer);
          res();
        } else waiters.push(check);
      };
      void exit.then(() => {
        if (!ok(lines)) {
          clearTimeout(timer);
          rej(new Error(`follower exited; it wrote ${JSON.stringify(lines)}; stderr: ${stderr}`));
        }
      });
      check();
    });
  return { child, lines, until, exit };
}

describe('dojo job follow-results (the sidecar\'s command, a real process)', () => {
  beforeAll(() => ensureBuilt(), 600_000);

  it('writes lines appended before and after it started, holds a partial line, and on SIGTERM writes the rest, then the marker, and exits 0', async () => {
    const file = join(dir, 'result.jsonl');
    writeFileSync(file, '{"step": 0, "value": 0.9}\n{"step": 1, "value": 0.7}\n');
    const f = follow(file);
    await f.until((l) => l.length >= 2);
    appendFileSync(file, '{"step": 2, "value": 0.5}\n{"value": 0.');
    await f.until((l) => l.length >= 3);
    // The partial line came in the same append as step 2: it was read, and held back.
    expect(f.lines).toEqual(['{"step": 0, "value": 0.9}', '{"step": 1, "value": 0.7}', '{"step": 2, "value": 0.5}']);
    appendFileSync(file, '45}');
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(0);
    expect(f.lines).toEqual(['{"step": 0, "value": 0.9}', '{"step": 1, "value": 0.7}', '{"step": 2, "value": 0.5}', '{"value": 0.45}', RESULT_END_MARKER]);
  }, 120_000);
});
