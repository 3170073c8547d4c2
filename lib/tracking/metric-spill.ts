import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from './types';

/** Where metric points wait on disk by default when the tracking server is away. */
export const DEFAULT_SPILL_DIR = join(tmpdir(), 'dojo-metrics');

/** The first line of a spill file: where its points belong. */
export interface SpillHeader {
  readonly trackingUri: string;
  readonly runId: string;
  /** Some points may have reached the server already (a lost answer): check the history before resending. */
  readonly check?: boolean;
}

// Points are JSON lines [key, value, timestamp, step]; NaN and ±Infinity as strings.
const encode = (m: Metric): string => JSON.stringify([m.key, Number.isFinite(m.value) ? m.value : String(m.value), m.timestamp, m.step]);
const decode = (line: string): Metric => {
  const [key, value, timestamp, step] = JSON.parse(line) as [string, number | string, number, number];
  return { key, value: Number(value), timestamp, step };
};

let serial = 0;

/**
 * An append-only file of metric points that could not be kept in memory, read back in order. A
 * live file is named `<runId>.<pid>.<n>.live.jsonl`; `persist()` renames it `….pending.jsonl`, which
 * a later process replays (see metric-replay.ts). Writes go through a small buffer flushed every
 * 1000 points and before any read, so the process pays one write call per thousand points.
 */
export class SpillFile {
  /** The file's path (it changes when persisted). */
  path: string;
  private fd: number;
  private readonly header: string;
  private writeAt = 0;
  private readAt = 0;
  private readonly buffer: string[] = [];
  /** Points written and not read back yet (buffered ones included). */
  count = 0;
  /** Bytes read from the file but not parsed yet, and where parsing is in them. */
  private tail = '';
  private tailAt = 0;
  private readonly chunk = Buffer.allocUnsafe(1 << 16);

  constructor(dir: string, header: SpillHeader) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, `${header.runId}.${process.pid}.${serial++}.live.jsonl`);
    this.fd = openSync(this.path, 'w+', 0o600);
    this.header = `${JSON.stringify(header)}\n`;
    this.reset();
  }

  /** Appends points (after any already in the file). */
  append(points: readonly Metric[]): void {
    for (const m of points) this.buffer.push(encode(m));
    this.count += points.length;
    if (this.buffer.length >= 1000) this.flush();
  }

  /** Writes the buffered points to the file. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.buffer.length = 0;
    this.writeAt += writeSync(this.fd, text, this.writeAt);
  }

  /** Reads up to `n` points, oldest first; the file is emptied once everything is read. */
  read(n: number): Metric[] {
    this.flush();
    const out: Metric[] = [];
    while (out.length < n) {
      const nl = this.tail.indexOf('\n', this.tailAt);
      if (nl >= 0) {
        out.push(decode(this.tail.slice(this.tailAt, nl)));
        this.tailAt = nl + 1;
        continue;
      }
      if (this.readAt >= this.writeAt) break;
      // Keys are ASCII (MLflow's key rule) and values numbers: a chunk never cuts a character.
      const got = readSync(this.fd, this.chunk, 0, this.chunk.length, this.readAt);
      if (got === 0) break;
      this.readAt += got;
      this.tail = this.tail.slice(this.tailAt) + this.chunk.toString('latin1', 0, got);
      this.tailAt = 0;
    }
    this.count -= out.length;
    if (this.count === 0 && this.readAt >= this.writeAt) this.reset();
    return out;
  }

  /** Writes `points` first, then what the file still holds, under a `.pending.jsonl` name for a later replay; returns the path. */
  persist(points: readonly Metric[], check: boolean): string {
    const rest = this.read(Number.MAX_SAFE_INTEGER);
    const all = [...points, ...rest];
    const header = { ...(JSON.parse(this.header) as SpillHeader), ...(check ? { check: true } : {}) };
    ftruncateSync(this.fd, 0);
    const text = `${JSON.stringify(header)}\n${all.map(encode).join('\n')}${all.length ? '\n' : ''}`;
    writeSync(this.fd, text, 0);
    closeSync(this.fd);
    this.fd = -1;
    const pending = this.path.replace(/\.live\.jsonl$/, '.pending.jsonl');
    renameSync(this.path, pending);
    this.path = pending;
    this.count = 0;
    return pending;
  }

  /** Closes and removes the file (nothing left in it). */
  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.path, { force: true });
  }

  private reset(): void {
    ftruncateSync(this.fd, 0);
    this.writeAt = writeSync(this.fd, this.header, 0);
    this.readAt = this.writeAt;
    this.tail = '';
    this.tailAt = 0;
  }
}

/** A spill file another process left behind, claimed by this one (renamed so no other replays it). */
export interface ClaimedSpill {
  readonly path: string;
  readonly header: SpillHeader;
  readonly points: Metric[];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Claims the spill files in `dir` that belong to `trackingUri` and that no live process writes:
 * `.pending.jsonl` files, and `.live.jsonl` files of a process that died. Each is renamed to
 * `….replaying-<pid>.jsonl` first (atomic: two workers never replay the same file).
 */
export function claimSpills(dir: string, trackingUri: string): ClaimedSpill[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: ClaimedSpill[] = [];
  for (const name of names) {
    const live = /^[0-9a-f]+\.(\d+)\.\d+\.live\.jsonl$/.exec(name);
    if (!name.endsWith('.pending.jsonl') && !(live && Number(live[1]) !== process.pid && !alive(Number(live[1])))) continue;
    const claimed = join(dir, name.replace(/\.(pending|live)\.jsonl$/, `.replaying-${process.pid}.jsonl`));
    try {
      renameSync(join(dir, name), claimed);
    } catch {
      continue; // another process claimed it first
    }
    const text = readFileSync(claimed, 'utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    let header: SpillHeader;
    try {
      header = JSON.parse(lines[0] ?? '') as SpillHeader;
    } catch {
      continue;
    }
    if (header.trackingUri !== trackingUri) {
      renameSync(claimed, join(dir, name.replace(/\.live\.jsonl$/, '.pending.jsonl')));
      continue;
    }
    const points: Metric[] = [];
    // A process killed mid-write may leave a cut last line: the points before it are kept.
    for (const l of lines.slice(1)) {
      try {
        points.push(decode(l));
      } catch {
        break;
      }
    }
    out.push({ path: claimed, header, points });
  }
  return out;
}
