// Long waits say something at least every 10 s with the elapsed time (activate, deactivate, rm on AWS).
import { describe, expect, it } from 'vitest';
import { formatElapsed, withHeartbeat } from '../../../lib/providers/aws/heartbeat';

describe('withHeartbeat', () => {
  it('fills silences longer than the period with the elapsed time and the last line, and stops when done', async () => {
    const lines: string[] = [];
    let t = 0;
    const tick = () => new Promise((r) => setTimeout(r, 30));
    await withHeartbeat((l) => lines.push(l), 'dojo activate d', async (progress) => {
      progress('deploying stack dojo-d');
      // 35 simulated seconds of silence, in steps the timer sees.
      for (let i = 0; i < 35; i++) {
        t += 1000;
        await tick();
      }
      progress('dojo d is active');
    }, { everyMs: 10_000, now: () => t, checkMs: 5 });
    const beats = lines.filter((l) => l.startsWith('dojo activate d: still waiting'));
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(beats[0]).toMatch(/^dojo activate d: still waiting, 0:1\d elapsed \(deploying stack dojo-d\)$/);
    expect(lines.at(-1)).toBe('dojo d is active');
    const n = lines.length;
    t += 60_000;
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.length).toBe(n);
  });

  it('formats elapsed time', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(75_000)).toBe('1:15');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
  });
});
