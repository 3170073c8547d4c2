import { describe, expect, it, vi } from 'vitest';
import { commands } from '../../lib/cli/commands';
import { buildProgram, main } from '../../lib/cli/main';
import { memoryIo } from '../../lib/cli/io';
import { intOption, type CommandSpec } from '../../lib/cli/spec';
import { DojoError } from '../../lib/errors';

function spec(name: string, run: (args: string[], opts: Record<string, unknown>) => Promise<number>): CommandSpec {
  return {
    name,
    description: `test command ${name}`,
    configure: (cmd) => cmd.argument('[thing]').option('--count <n>', 'a count', intOption('--count', 0)),
    load: async () => run as never,
  };
}

describe('main', () => {
  it('dispatches nested commands with parsed options and returns the handler exit code', async () => {
    const io = memoryIo();
    let seen: unknown;
    const code = await main(['node', 'dojo', 'job', 'create', 'x', '--count', '3'], io, [
      spec('job create', async (args, opts) => {
        seen = { args, opts };
        return 0;
      }),
    ]);
    expect(code).toBe(0);
    expect(seen).toEqual({ args: ['x'], opts: { count: 3 } });
  });

  it('returns 2 for an unknown option and for a bad option value naming the flag', async () => {
    const io = memoryIo();
    const specs = [spec('train', async () => 0)];
    expect(await main(['node', 'dojo', 'train', '--nope'], io, specs)).toBe(2);
    expect(await main(['node', 'dojo', 'train', '--count', 'many'], io, specs)).toBe(2);
    expect(io.stderr.join('\n')).toContain('--count must be a whole number >= 0, got "many"');
  });

  it('prints a DojoError once, without a stack unless --debug, with its exit code', async () => {
    const fail = spec('train', async () => {
      throw new DojoError('USAGE', 'no objects match file:///nowhere/*.csv');
    });
    const io = memoryIo();
    expect(await main(['node', 'dojo', 'train'], io, [fail])).toBe(2);
    expect(io.stderr).toEqual(['dojo: no objects match file:///nowhere/*.csv']);
    const dbg = memoryIo();
    await main(['node', 'dojo', '--debug', 'train'], dbg, [fail]);
    expect(dbg.stderr.join('\n')).toMatch(/at /);
  });

  it('reports an unexpected error as a bug with exit code 1', async () => {
    const io = memoryIo();
    const code = await main(['node', 'dojo', 'train'], io, [spec('train', async () => { throw new TypeError('boom'); })]);
    expect(code).toBe(1);
    expect(io.stderr[0]).toBe('dojo: internal error: boom');
  });

  it('leaves hidden commands, and groups with only hidden commands, out of --help; they still run and have help', async () => {
    const visible = buildProgram(memoryIo(), commands, () => undefined).helpInformation();
    expect(visible).toMatch(/^ {2}job\b/m);
    expect(visible).not.toMatch(/^ {2}(manager|worker)\b/m);
    const hiddenNames = commands.filter((c) => c.hidden).map((c) => c.name);
    expect(hiddenNames).toEqual(expect.arrayContaining(['manager serve', 'worker run']));

    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'dojo', 'manager', 'serve', '--help'], memoryIo())).toBe(0);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/Usage: dojo manager serve[\s\S]*--dir <dir>/);
    } finally {
      write.mockRestore();
    }

    // A group keeps its place in --help while one of its commands is visible, and lists only that one.
    const mixed = [spec('x shown', async () => 0), { ...spec('x secret', async () => 0), hidden: true }, { ...spec('y secret', async () => 0), hidden: true }];
    const program = buildProgram(memoryIo(), mixed, () => undefined);
    expect(program.helpInformation()).toMatch(/^ {2}x\b/m);
    expect(program.helpInformation()).not.toMatch(/^ {2}y\b/m);
    const group = program.commands.find((c) => c.name() === 'x')!;
    expect(group.helpInformation()).toContain('shown');
    expect(group.helpInformation()).not.toContain('secret');
    let ran = false;
    const io = memoryIo();
    expect(await main(['node', 'dojo', 'y', 'secret'], io, [{ ...spec('y secret', async () => ((ran = true), 0)), hidden: true }])).toBe(0);
    expect(ran).toBe(true);
  });

  it("runs the book's `dojo dojo init|ls|activate|deactivate|inspect|rm` as the top-level commands, listed once in --help", async () => {
    const program = buildProgram(memoryIo(), commands, () => undefined);
    const help = program.helpInformation();
    // each top-level command once, and the alias group as one line naming them
    for (const name of ['init', 'ls', 'activate', 'deactivate', 'inspect', 'rm']) expect(help.match(new RegExp(`^ {2}${name}\\b`, 'gm'))).toHaveLength(1);
    expect(help.replace(/\s+/g, ' ')).toContain("dojo the book's noun-verb form: `dojo dojo init|ls|activate|deactivate|inspect|rm` = `dojo init|ls|activate|deactivate|inspect|rm`");
    const group = program.commands.find((c) => c.name() === 'dojo')!;
    expect(group.commands.map((c) => c.name())).toEqual(['init', 'ls', 'activate', 'deactivate', 'inspect', 'rm']);
    expect(group.helpInformation()).toMatch(/^ {2}inspect \[options\] <id>\s+same as `dojo inspect`/m);
    for (const alias of commands.filter((c) => c.aliasOf !== undefined)) {
      const target = commands.find((c) => c.name === alias.aliasOf)!;
      expect(alias.load).toBe(target.load);
      expect(alias.configure).toBe(target.configure);
    }

    // the alias runs the target's handler with the same parsing
    let seen: unknown;
    const target = spec('ls', async (args, opts) => ((seen = { args, opts }), 0));
    const { aliasCommand } = await import('../../lib/cli/spec');
    expect(await main(['node', 'dojo', 'dojo', 'ls', 'x', '--count', '2'], memoryIo(), [target, aliasCommand('dojo ls', target)])).toBe(0);
    expect(seen).toEqual({ args: ['x'], opts: { count: 2 } });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'dojo', 'dojo', '--help'], memoryIo())).toBe(0);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/Usage: dojo dojo[\s\S]*init[\s\S]*rm/);
    } finally {
      write.mockRestore();
    }
  });

  it('--help marks required options, and job start --help lists the worker settings', () => {
    const program = buildProgram(memoryIo(), commands, () => undefined);
    const sub = (path: string[]) => path.reduce((c, n) => c.commands.find((x) => x.name() === n)!, program);
    expect(sub(['train']).helpInformation()).toMatch(/--train <glob>\s+training CSVs[^-]*\(required\)\s+--val <glob>\s+validation CSVs \(same forms\) \(required\)/);
    expect(sub(['train']).helpInformation()).not.toMatch(/--save .*\(required\)/);
    expect(sub(['job', 'create']).helpInformation()).toMatch(/--dojo <id>.*\(required\)/);
    let help = '';
    const start = sub(['job', 'start']);
    start.configureOutput({ writeOut: (s) => (help += s) });
    start.outputHelp();
    for (const k of ['DOJO_DTYPE float32|float64', 'DOJO_ON_BAD_ROW fail|skip', 'DOJO_EVAL_EVERY N', 'DOJO_SHARD_SIZE ROWS']) expect(help).toContain(k);
  });
});
