// `dojo job logs` for local jobs: the workers' log files, each line tagged with its worker, read
// incrementally so that --follow streams new lines until the job ends.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { JobLogsOptions } from '../provider';
import type { WorkerProc } from './layout';

/** The bytes of a file from offset to its current end (none when it does not exist yet). */
export function bytesFrom(file: string, offset: number): Buffer {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return Buffer.alloc(0);
  }
  if (size <= offset) return Buffer.alloc(0);
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, offset);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** Reads each file from where the last call stopped and emits whole new lines. */
export class LogTailer {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();

  constructor(private readonly options: Pick<JobLogsOptions, 'onLine' | 'trial'>) {}

  /** Emits the new complete lines of every worker's log; returns how many were emitted. */
  poll(workers: readonly WorkerProc[]): number {
    let n = 0;
    for (const w of workers) n += this.pollFile(w.log, `g${w.group}/r${w.replica}`);
    return n;
  }

  private pollFile(file: string, source: string): number {
    const from = this.offsets.get(file) ?? 0;
    const buf = bytesFrom(file, from);
    if (buf.length === 0) return 0;
    this.offsets.set(file, from + buf.length);
    const text = (this.partial.get(file) ?? '') + buf.toString('utf8');
    const lines = text.split('\n');
    this.partial.set(file, lines.pop() ?? '');
    let n = 0;
    const tag = this.options.trial === undefined ? undefined : `[trial ${this.options.trial}]`;
    for (const line of lines) {
      if (tag && !line.includes(tag)) continue;
      this.options.onLine({ source, text: line });
      n++;
    }
    return n;
  }
}
