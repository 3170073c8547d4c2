import { describe, expect, it } from 'vitest';
import { HpoClient } from '../../lib/hpo';
import { summaryHtml } from '../../lib/hpo/report/html';
import { startHpoService } from '../../lib/hpo/service';
import { branin, conditionalMlp } from '../../testkit/hpo/objectives';

describe('which sampler: recorded per study and per trial', () => {
  it('GET /studies/{id} shows auto\'s choice and reason and each trial\'s sampler; the report has both', async () => {
    const svc = await startHpoService({ dbFile: ':memory:' });
    try {
      const c = new HpoClient(svc.url);
      const info = await c.createStudy({ name: 'a', space: branin.space, maxTrials: 12, enqueue: [{ x1: 1, x2: 2 }] });
      expect(info.sampler.name).toBe('auto'); // the default when the body names no sampler
      expect(info.samplerChoice).toEqual({ name: 'gp', reason: expect.stringContaining('numeric space of 2 parameters') });
      for (;;) {
        const t = await c.ask('a');
        if (!t) break;
        await c.tell('a', t.number, 'complete', branin.f(t.params));
      }
      const detail = await c.getStudy('a');
      expect(detail.trials.map((t) => t.sampler)).toEqual(['enqueued', ...Array(9).fill('gp-startup'), 'gp', 'gp']);
      const html = summaryHtml(detail, []);
      expect(html).toContain('sampler auto (seed');
      expect(html).toContain('→ gp: numeric space of 2 parameters');
      expect(html).toContain('<th>sampler</th>');
      expect(html).toContain('<td>gp-startup</td>');
      const cond = await c.createStudy({ name: 'b', space: conditionalMlp.space, sampler: { name: 'auto', seed: 1 } });
      expect(cond.samplerChoice).toMatchObject({ name: 'tpe', reason: expect.stringContaining('conditional parameters') });
      expect((await c.createStudy({ name: 'c', space: branin.space, sampler: { name: 'tpe', seed: 1 } })).samplerChoice).toBeUndefined();
    } finally {
      await svc.close();
    }
  });
});
