// The result file's follower: on AWS the driver cannot read a file on a worker instance, so a
// command task runs this beside the user's container (a sidecar of dojo's runtime image, sharing
// a task volume with it). It writes each whole new line of DOJO_RESULT_FILE to its stdout, which
// awslogs ships to the sidecar's own log stream, and at its end (SIGTERM: ECS stops it when the
// user's container exits) it writes what is left, then RESULT_END_MARKER, so that the driver
// knows it has every line. Reads are synchronous and small: nothing runs beside them to overlap.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The line a follower writes last: every result line of the replica came before it. Not JSON, so never a result line. */
export const RESULT_END_MARKER = '#dojo:result-file-end';

/** Options of ResultFileFollower. */
export interface ResultFollowerOptions {
  /** The file the user's command appends to (it may not exist yet). */
  readonly file: string;
  /** Writes one line (without its line break) where the driver reads it. */
  readonly write: (line: string) => void;
  /** Ms between two looks at the file. @default 250 */
  readonly pollMs?: number;
  /** A look that failed (e.g. a file the follower may not read); the follower goes on looking. @default - ignored */
  readonly onError?: (e: Error) => void;
}

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/** Follows a result file from its start: start(), then finish() once the command has ended. */
export class ResultFileFollower {
  private offset = 0;
  // Bytes of a line whose line break has not come yet (kept as bytes: a UTF-8 character may be split).
  private partial: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(private readonly o: ResultFollowerOptions) {}

  /** Starts looking at the file every pollMs. */
  start(): void {
    const tick = () => {
      if (this.finished) return;
      try {
        this.look();
      } catch (e) {
        this.o.onError?.(e as Error);
      }
      this.timer = setTimeout(tick, this.o.pollMs ?? 250);
    };
    tick();
  }

  /** Writes every whole line appended since the last look; returns how many it wrote. */
  look(): number {
    let fd: number;
    try {
      fd = openSync(this.o.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    let written = 0;
    try {
      const size = fstatSync(fd).size;
      // Truncated (the command started the file anew): follow it from its start.
      if (size < this.offset) {
        this.offset = 0;
        this.partial = Buffer.alloc(0);
      }
      const buf = Buffer.allocUnsafe(CHUNK);
      while (this.offset < size) {
        const n = readSync(fd, buf, 0, Math.min(CHUNK, size - this.offset), this.offset);
        if (n === 0) break;
        this.offset += n;
        written += this.take(buf.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    return written;
  }

  /**
   * The command has ended: writes what is left (a last line without its line break too), then the
   * end marker, and stops looking. Idempotent.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      this.look();
    } catch (e) {
      this.o.onError?.(e as Error);
    }
    if (this.partial.length > 0) this.emit(this.partial);
    this.partial = Buffer.alloc(0);
    this.o.write(RESULT_END_MARKER);
  }

  private take(bytes: Buffer): number {
    let data = this.partial.length > 0 ? Buffer.concat([this.partial, bytes]) : Buffer.from(bytes);
    let written = 0;
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE)) {
      if (this.emit(data.subarray(0, nl))) written++;
      data = data.subarray(nl + 1);
    }
    this.partial = Buffer.from(data);
    return written;
  }

  // Blank lines carry nothing (and awslogs drops empty events).
  private emit(line: Buffer): boolean {
    const text = line.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return false;
    this.o.write(text);
    return true;
  }
}
