// Long waits of the local provider say something with the elapsed time at least every heartbeat
// period (10 s by default; 20 ms here, so that the manager's start is a long wait).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../../lib/providers/local/provider';
import { CLI, Sandbox, ensureBuilt } from '../../e2e/harness';

let box: Sandbox;
let provider: LocalProvider;
beforeAll(() => {
  ensureBuilt();
  box = new Sandbox();
  provider = new LocalProvider({ home: box.home, cli: { command: process.execPath, args: [CLI] }, heartbeatMs: 20 });
});
afterAll(async () => box?.dispose());

describe('local activate', () => {
  it('prints "still waiting, m:ss elapsed" while the manager starts', async () => {
    const { id } = await provider.init({});
    const lines: string[] = [];
    await provider.activate(id, (m) => lines.push(m));
    const beats = lines.filter((l) => l.startsWith(`dojo activate ${id}: still waiting, `));
    expect(beats.length, lines.join('\n')).toBeGreaterThan(0);
    expect(beats[0]).toMatch(new RegExp(`^dojo activate ${id}: still waiting, \\d+:\\d\\d elapsed \\(starting the manager of ${id}`));
    await provider.deactivate(id);
  });
});
