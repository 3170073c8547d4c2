import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DojoError } from '../../lib/errors';
import { parseDojoConfig } from '../../lib/infra/config';
import { PRICES, dojoHourlyCost, formatDojoCostTable, type DojoCostConfig } from '../../lib/infra/cost';
import { INSTANCE_PRICES_USD_PER_HOUR, OFFERED_INSTANCE_TYPES } from '../../lib/infra/instance-types';

const defaults = parseDojoConfig({ dojoId: 'demo' });
const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 10);

describe('dojoHourlyCost', () => {
  it('default dojo, active with 2 busy workers: hand-computed', () => {
    const c = dojoHourlyCost(defaults, { kind: 'active', busyWorkers: 2 });
    const gp3 = 0.08 / 730;
    // manager + 2 workers t3.xlarge, 3 root volumes of 30 GiB, a 20 GiB data volume, 3 public IPv4.
    close(c.computeUsdPerHour, 3 * 0.1664);
    close(c.totalUsdPerHour, 3 * 0.1664 + 3 * 30 * gp3 + 20 * gp3 + 3 * 0.005);
    close(c.totalUsdPerMonth, c.totalUsdPerHour * 730);
    expect(c.items.map((x) => x.item)).toEqual([
      'manager t3.xlarge (on-demand)',
      'manager root volume gp3 30 GiB',
      '2 × worker t3.xlarge (on-demand)',
      '2 × worker root volume gp3 30 GiB',
      'manager data volume gp3 20 GiB',
      '3 × public IPv4 address',
    ]);
  });

  it('active-idle is active with 0 busy workers: the manager only', () => {
    const idle = dojoHourlyCost(defaults, { kind: 'active-idle' });
    expect(idle).toEqual(dojoHourlyCost(defaults, { kind: 'active', busyWorkers: 0 }));
    close(idle.computeUsdPerHour, 0.1664);
    close(idle.totalUsdPerHour, 0.1664 + 50 * (0.08 / 730) + 0.005);
  });

  it('deactivated: compute is 0, only storage remains', () => {
    const c = dojoHourlyCost(defaults, { kind: 'deactivated' }, { bucketGiB: 10 });
    expect(c.computeUsdPerHour).toBe(0);
    expect(c.items.every((x) => x.kind === 'storage')).toBe(true);
    close(c.totalUsdPerHour, (20 * 0.08) / 730 + (10 * 0.023) / 730);
  });

  it('private adds the NAT gateway and its address, also when deactivated; instances have no public IPv4', () => {
    const priv = { ...defaults, private: true };
    const c = dojoHourlyCost(priv, { kind: 'deactivated' });
    expect(c.computeUsdPerHour).toBe(0);
    close(c.totalUsdPerHour, (20 * 0.08) / 730 + 0.045 + 0.005);
    const active = dojoHourlyCost(priv, { kind: 'active', busyWorkers: 4 });
    expect(active.items.some((x) => x.item.includes('public IPv4'))).toBe(false);
  });

  it('spot workers cost the documented fraction; the manager stays on-demand', () => {
    const c = dojoHourlyCost({ ...defaults, spot: true }, { kind: 'active', busyWorkers: 4 });
    close(c.computeUsdPerHour, 0.1664 + 4 * 0.1664 * PRICES.spotFractionOfOnDemand);
  });

  it('rejects busy workers outside 0..maxWorkers', () => {
    for (const n of [-1, 5, 1.5]) {
      expect(() => dojoHourlyCost(defaults, { kind: 'active', busyWorkers: n })).toThrow(DojoError);
    }
    expect(() => dojoHourlyCost(defaults, { kind: 'active', busyWorkers: 5 })).toThrow('busyWorkers: must be a whole number from 0 to maxWorkers (4), got 5');
  });

  it('has a price for every offered instance type', () => {
    for (const t of OFFERED_INSTANCE_TYPES) expect(INSTANCE_PRICES_USD_PER_HOUR[t]).toBeGreaterThan(0);
  });

  it('properties: deactivated ≤ idle ≤ busy, monotone in busy workers, compute 0 when deactivated', () => {
    const config = fc.record<DojoCostConfig>({
      managerInstanceType: fc.constantFrom(...OFFERED_INSTANCE_TYPES),
      workerInstanceType: fc.constantFrom(...OFFERED_INSTANCE_TYPES),
      maxWorkers: fc.integer({ min: 0, max: 100 }),
      spot: fc.boolean(),
      private: fc.boolean(),
      dataVolumeGiB: fc.integer({ min: 1, max: 1024 }),
    });
    fc.assert(
      fc.property(config, fc.nat(), (c, k) => {
        const busy = c.maxWorkers === 0 ? 0 : k % (c.maxWorkers + 1);
        const off = dojoHourlyCost(c, { kind: 'deactivated' });
        const idle = dojoHourlyCost(c, { kind: 'active-idle' });
        const on = dojoHourlyCost(c, { kind: 'active', busyWorkers: busy });
        expect(off.computeUsdPerHour).toBe(0);
        expect(off.totalUsdPerHour).toBeLessThan(idle.totalUsdPerHour);
        expect(idle.totalUsdPerHour).toBeLessThanOrEqual(on.totalUsdPerHour + 1e-12);
        if (busy < c.maxWorkers) {
          expect(dojoHourlyCost(c, { kind: 'active', busyWorkers: busy + 1 }).totalUsdPerHour).toBeGreaterThan(on.totalUsdPerHour);
        }
        close(on.totalUsdPerHour, on.items.reduce((s, x) => s + x.usdPerHour, 0));
      }),
      { numRuns: 200 },
    );
  });
});

describe('formatDojoCostTable', () => {
  it('renders a Markdown table with the total', () => {
    const text = formatDojoCostTable(dojoHourlyCost(defaults, { kind: 'active-idle' }));
    expect(text.split('\n')[0]).toBe('| item | USD/h |');
    expect(text).toContain('| manager t3.xlarge (on-demand) | 0.1664 |');
    expect(text.split('\n').at(-1)).toMatch(/^\| \*\*total\*\* \| \*\*0\.\d{4}\*\* \|$/);
  });
});

describe('README "What a dojo costs"', () => {
  it('shows the numbers the function gives for the default dojo', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows: [string, Parameters<typeof dojoHourlyCost>[1]][] = [
      ['active, 4 busy workers', { kind: 'active', busyWorkers: 4 }],
      ['active, 1 busy worker', { kind: 'active', busyWorkers: 1 }],
      ['active, idle (workers scaled to 0)', { kind: 'active-idle' }],
      ['deactivated (no instance; data volume kept)', { kind: 'deactivated' }],
    ];
    for (const [label, state] of rows) {
      const c = dojoHourlyCost(defaults, state);
      const compute = c.computeUsdPerHour === 0 ? '0' : c.computeUsdPerHour.toFixed(4);
      expect(readme).toContain(`| ${label} | ${compute} | ${c.totalUsdPerHour.toFixed(4)} |`);
    }
  });
});
