import { Command, CommanderError } from 'commander';
import { ExitCode, describeSystemError, isDojoError } from '../errors';
import { processIo, type Io } from './io';
import type { CommandSpec } from './spec';
import { commands } from './commands';
import { DOJO_VERSION } from './version';

/** Builds the commander program from the command specs (cheap: no handler is loaded). */
export function buildProgram(io: Io, specs: readonly CommandSpec[], onRun: (code: number) => void): Command {
  const program = new Command('dojo')
    .description('A cheap, disposable training dojo: tracking, HPO and data-parallel training, locally or on AWS.')
    .version(DOJO_VERSION, '-V, --version')
    .option('--debug', 'print stack traces and extra diagnostics')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .exitOverride();
  const hiddenGroups = groupsToHide(specs);
  const aliasGroups = aliasGroupDescriptions(specs);
  for (const spec of specs) {
    const path = spec.name.split(' ');
    let parent = program;
    for (const [i, part] of path.slice(0, -1).entries()) {
      let group = parent.commands.find((c) => c.name() === part);
      if (!group) {
        const hidden = hiddenGroups.has(path.slice(0, i + 1).join(' '));
        const name = path.slice(0, i + 1).join(' ');
        group = parent.command(part, { hidden }).description(aliasGroups.get(name) ?? `${part} commands`).exitOverride();
        group.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
      }
      parent = group;
    }
    const cmd = parent.command(path[path.length - 1]!, { hidden: spec.hidden ?? false }).description(spec.description).exitOverride();
    cmd.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
    spec.configure(cmd);
    // commander lists required options like any other: say which ones are.
    for (const o of cmd.options) if (o.mandatory && !o.description.endsWith('(required)')) o.description = `${o.description} (required)`;
    cmd.action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const opts = command.opts();
      const args = command.args;
      const debug = Boolean(program.opts().debug);
      const handler = (await spec.load()) as unknown as (a: string[], o: unknown, c: { io: Io; debug: boolean }) => Promise<number>;
      onRun(await handler(args, opts, { io, debug }));
    });
  }
  return program;
}

/** The command groups (e.g. "manager") whose every command is hidden: --help leaves them out too. */
function groupsToHide(specs: readonly CommandSpec[]): Set<string> {
  const visible = new Set<string>();
  const all = new Set<string>();
  for (const spec of specs) {
    const path = spec.name.split(' ');
    for (let n = 1; n < path.length; n++) {
      const group = path.slice(0, n).join(' ');
      all.add(group);
      if (!spec.hidden) visible.add(group);
    }
  }
  return new Set([...all].filter((g) => !visible.has(g)));
}

/**
 * The groups whose every command is an alias (`dojo dojo ...`), described by the commands they stand
 * for, so that --help shows each command once and the group as one line.
 */
function aliasGroupDescriptions(specs: readonly CommandSpec[]): Map<string, string> {
  const targets = new Map<string, string[]>();
  const other = new Set<string>();
  for (const spec of specs) {
    const path = spec.name.split(' ');
    for (let n = 1; n < path.length; n++) {
      const group = path.slice(0, n).join(' ');
      if (spec.aliasOf === undefined) other.add(group);
      else if (n === path.length - 1) targets.set(group, [...(targets.get(group) ?? []), spec.aliasOf]);
    }
  }
  const out = new Map<string, string>();
  for (const [group, names] of targets) {
    if (!other.has(group)) out.set(group, `the book's noun-verb form: \`dojo ${group} ${names.join('|')}\` = \`dojo ${names.join('|')}\``);
  }
  return out;
}

/** Runs the CLI with argv (as process.argv) and returns the exit code; errors are printed once here. */
export async function main(argv: string[], io: Io = processIo(), specs: readonly CommandSpec[] = commands): Promise<number> {
  let code: number = ExitCode.ok;
  const debug = argv.includes('--debug');
  const program = buildProgram(io, specs, (c) => (code = c));
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
      // commander already printed its message; the cause of an option parser error is ours.
      return ExitCode.usage;
    }
    if (isDojoError(e)) {
      io.err(`dojo: ${e.message}`);
      if (debug && e.stack) io.err(e.stack);
      if (debug && e.cause instanceof Error && e.cause.stack) io.err(`cause: ${e.cause.stack}`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    // Disk full, read-only, permissions, not a database: the user's to fix, said as what it is.
    const system = describeSystemError(err);
    if (system) {
      io.err(`dojo: ${system}`);
      if (debug && err.stack) io.err(err.stack);
      return ExitCode.failure;
    }
    io.err(`dojo: internal error: ${err.message}`);
    io.err(debug ? String(err.stack) : 'This is a bug in dojo; run again with --debug for the stack trace and report it.');
    return ExitCode.failure;
  }
}
