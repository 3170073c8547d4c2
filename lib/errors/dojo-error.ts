/** Exit codes every command returns: 0 ok, 1 failure, 2 usage error. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** The kind of a DojoError: decides the exit code and lets callers branch without parsing text. */
export type DojoErrorCode =
  | 'USAGE' // a bad flag, argument or input file the user can fix: exit 2
  | 'NOT_FOUND' // an id, file or object that does not exist
  | 'BAD_DATA' // data that does not parse (file:line: column ...)
  | 'CONFLICT' // the thing exists already or is in the wrong state
  | 'UNAVAILABLE' // a server or process that does not answer
  | 'AWS' // an AWS call failed (credentials, region, permissions)
  | 'LOST' // a replica, worker or process was lost
  | 'IO' // the OS or SQLite refused a file (disk full, read-only, permissions, not a database)
  | 'INTERNAL'; // a bug: say so

/**
 * The one error type dojo throws on purpose. It is thrown where the problem is found, with a
 * message that names the file, line, field or flag and what to do, and printed once at the top
 * (stack only with --debug).
 */
export class DojoError extends Error {
  override readonly name = 'DojoError';
  /** True when the user named something that is not there (an unknown id): exit 2 like other usage errors. */
  readonly usage: boolean;

  constructor(
    readonly code: DojoErrorCode,
    message: string,
    options?: { cause?: unknown; usage?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.usage = options?.usage ?? false;
  }

  /** The process exit code this error maps to. */
  get exitCode(): number {
    return this.code === 'USAGE' || this.usage ? ExitCode.usage : ExitCode.failure;
  }
}

/** A usage error (exit code 2): a bad flag, argument or input the user can fix. */
export function usageError(message: string, cause?: unknown): DojoError {
  return new DojoError('USAGE', message, { cause });
}

/** True for DojoError instances, also across bundle copies of the class. */
export function isDojoError(e: unknown): e is DojoError {
  return e instanceof DojoError || (e instanceof Error && e.name === 'DojoError' && 'code' in e);
}
