import { describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main';
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
});
