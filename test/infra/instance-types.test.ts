import { describe, expect, it } from 'vitest';
import { INSTANCE_ALTERNATIVES, INSTANCE_VCPUS, OFFERED_INSTANCE_TYPES, wholeInstanceCpuUnits } from '../../lib/infra/instance-types';

describe('INSTANCE_ALTERNATIVES', () => {
  // vCPUs of the alternatives (AWS instance type pages); a mismatch would put 0 or 2 tasks on one.
  const VCPUS: Record<string, number> = {
    't3a.medium': 2, 't3a.large': 2, 'm5a.large': 2, 'm6i.large': 2, 'm6a.large': 2,
    't3a.xlarge': 4, 'm5a.xlarge': 4, 'm6i.xlarge': 4, 'm6a.xlarge': 4, 'c5a.xlarge': 4, 'c6i.xlarge': 4, 'c6a.xlarge': 4,
    't3a.2xlarge': 8, 'm5a.2xlarge': 8, 'm6i.2xlarge': 8, 'm6a.2xlarge': 8, 'c5a.2xlarge': 8, 'c6i.2xlarge': 8, 'c6a.2xlarge': 8,
  };

  it('lists, for every offered type, itself first and then types with the same vCPUs', () => {
    for (const t of OFFERED_INSTANCE_TYPES) {
      const alts = INSTANCE_ALTERNATIVES[t];
      expect(alts[0]).toBe(t);
      expect(new Set(alts).size).toBe(alts.length);
      for (const a of alts.slice(1)) expect(INSTANCE_VCPUS[a as keyof typeof INSTANCE_VCPUS] ?? VCPUS[a], `${t} -> ${a}`).toBe(INSTANCE_VCPUS[t]);
      expect(wholeInstanceCpuUnits(t)).toBe(INSTANCE_VCPUS[t] * 1024);
    }
  });
});
