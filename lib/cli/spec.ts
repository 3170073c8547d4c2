import { InvalidArgumentError, type Command } from 'commander';
import type { Io } from './io';

/** What every handler receives besides its parsed options. */
export interface CommandContext {
  readonly io: Io;
  /** --debug: print stacks and extra diagnostics. */
  readonly debug: boolean;
}

/** A command's handler: parses nothing itself, calls a library or provider, formats, returns an exit code. */
export type CommandHandler<O = Record<string, unknown>> = (
  args: string[],
  opts: O,
  ctx: CommandContext,
) => Promise<number>;

/**
 * A command = a declarative spec (name, flags, help) plus a lazily loaded handler, so that
 * `dojo --help` never loads the heavy modules a handler needs.
 */
export interface CommandSpec {
  /** Space-separated path, e.g. "train" or "job create". */
  readonly name: string;
  /** One line for --help. */
  readonly description: string;
  /**
   * Internal command that users never type (started by dojo itself): left out of --help, and so is
   * its group when every command of the group is hidden. `dojo <name> --help` still works.
   * @default false
   */
  readonly hidden?: boolean;
  /**
   * The name of the command this one is another spelling of (the book's `dojo dojo init` for `init`):
   * it runs the same handler, and --help lists its group once, as aliases, instead of every command twice.
   * @default - not an alias
   */
  readonly aliasOf?: string;
  /** Declares arguments and options on the commander Command. */
  configure(cmd: Command): void;
  /** Loads the handler module on demand. */
  load(): Promise<CommandHandler<never>>;
}

/** The spec of `name`, another spelling of `target` (same flags, same handler). */
export function aliasCommand(name: string, target: CommandSpec): CommandSpec {
  return { ...target, name, aliasOf: target.name, description: `same as \`dojo ${target.name}\`: ${target.description}` };
}

/** Parses a whole-number flag value, throwing a usage error that names the flag. */
export function intOption(flag: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidOptionValue(`${flag} must be a whole number${rangeText(min, max)}, got "${value}"`);
    }
    return n;
  };
}

/** Parses a number flag value, throwing a usage error that names the flag. */
export function numberOption(flag: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidOptionValue(`${flag} must be a number${rangeText(min, max)}, got "${value}"`);
    }
    return n;
  };
}

function rangeText(min: number, max: number): string {
  const lo = Number.isFinite(min) && min > Number.MIN_SAFE_INTEGER;
  const hi = Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER;
  if (lo && hi) return ` from ${min} to ${max}`;
  if (lo) return ` >= ${min}`;
  if (hi) return ` <= ${max}`;
  return '';
}

/** Thrown by option parsers; commander reports it as a usage error (exit 2). */
export class InvalidOptionValue extends InvalidArgumentError {}
