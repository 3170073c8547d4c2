/**
 * All terminal I/O of a command goes through this interface: data to stdout, progress and logs to
 * stderr. Tests substitute a recording implementation.
 */
export interface Io {
  /** Writes one line of data to stdout. */
  out(line: string): void;
  /** Writes one line of progress or diagnostics to stderr. */
  err(line: string): void;
  /** Rewrites the current stderr line (a progress bar); a no-op when stderr is not a TTY. */
  status(line: string): void;
  /** True when stderr is a terminal (progress bars allowed). */
  readonly isTTY: boolean;
  /**
   * True when stdout is a terminal: listings print a table for a person there, and bare ids for a
   * pipe (`dojo ls | head -n 1`, as the book captures them). @default false
   */
  readonly stdoutIsTTY?: boolean;
  /** The environment the command sees. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * A stderr line with terminal control characters shown as `\xNN`: messages echo file names, CSV
 * headers and flag values, and an escape sequence in them must not drive the user's terminal.
 * Tabs and line breaks stay.
 */
export function escapeTerminal(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The Io of the running process. */
export function processIo(): Io {
  const isTTY = Boolean(process.stderr.isTTY);
  let statusShown = false;
  const clearStatus = (): void => {
    if (statusShown) {
      process.stderr.write('\r\x1b[2K');
      statusShown = false;
    }
  };
  return {
    out(line) {
      clearStatus();
      process.stdout.write(line + '\n');
    },
    err(line) {
      clearStatus();
      process.stderr.write(escapeTerminal(line) + '\n');
    },
    status(line) {
      if (!isTTY) return;
      process.stderr.write('\r\x1b[2K' + line);
      statusShown = true;
    },
    isTTY,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    env: process.env,
  };
}

/** An Io that records lines in memory, for tests. */
export function memoryIo(env: NodeJS.ProcessEnv = {}, stdoutIsTTY = false): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    status: () => undefined,
    isTTY: false,
    stdoutIsTTY,
    env,
  };
}
