import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTrackingServer, TrackingClient, type Metric } from '../../lib/tracking';
import { AnswerCache } from '../../lib/tracking/server/answer-cache';
import { ARTIFACTS_DIR, ArtifactRepository } from '../../lib/tracking/server/artifact-repo';
import type { DojoApiDeps } from '../../lib/tracking/server/dojo-api';
import { runPageAnswer } from '../../lib/tracking/server/dojo-api/run-page';
import { warmRunPageAtRunEnd } from '../../lib/tracking/server/dojo-api/warm';
import { TrackingStore } from '../../lib/tracking/store';

// A study's page answer is made when the study's run ends (the HPO service ends it last), so that
// the first view of a study that just finished is answered from the cache.
describe("a study's page answer made when its run ends (before the first view asks)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'dojo-ui-warm-page-'));
  let store: TrackingStore;
  let deps: DojoApiDeps;
  let study: string;
  let plain: string;
  const trials: string[] = [];

  beforeAll(async () => {
    const tracking = await startTrackingServer({ storeDir: dir });
    const c = new TrackingClient(tracking.url);
    const exp = await c.createExperiment('warm-page');
    study = (await c.createRun({ experimentId: exp, runName: 'study', tags: { 'hpo.role': 'study', 'hpo.metric': 'val_rmse' } })).info.run_id;
    plain = (await c.createRun({ experimentId: exp, runName: 'plain' })).info.run_id;
    for (let r = 0; r < 3; r++) {
      const id = (await c.createRun({ experimentId: exp, runName: `trial-${r}`, tags: { 'mlflow.parentRunId': study, 'hpo.trial_number': String(r) } })).info.run_id;
      trials.push(id);
      const metrics: Metric[] = [];
      for (let s = 0; s < 500; s++) metrics.push({ key: 'val_rmse', value: 1 + r + 5 / (s + 1), timestamp: 1_700_000_000_000 + s, step: s });
      await c.logBatch(id, { metrics });
    }
    await tracking.close();
    store = new TrackingStore(dir);
    deps = { store, hpo: { uri: () => undefined }, answers: new AnswerCache(), artifacts: new ArtifactRepository(join(dir, ARTIFACTS_DIR)) };
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kept = (runId: string) => deps.answers.get(`run-page ${runId}`, store.generation());

  it("makes the answer of a study's run that ended, not of a trial, a plain run or a run still running; the first view then searches nothing", async () => {
    // Queued in order: these come first and make nothing.
    warmRunPageAtRunEnd({ run_id: study, status: 'RUNNING' }, deps);
    warmRunPageAtRunEnd({ run_id: trials[0], status: 'FINISHED' }, deps);
    warmRunPageAtRunEnd({ run_id: plain, status: 'FINISHED' }, deps);
    warmRunPageAtRunEnd({ run_id: 'no-such-run', status: 'FINISHED' }, deps);
    warmRunPageAtRunEnd({ run_id: study, status: 'FINISHED' }, deps);
    await vi.waitFor(() => expect(kept(study)).toBeDefined(), { timeout: 30_000, interval: 20 });
    for (const id of [trials[0]!, plain]) expect(kept(id)).toBeUndefined();
    // The first view: the same answer as one made then, and no search of the study's runs.
    const search = vi.spyOn(store.runs, 'search');
    const first = await runPageAnswer(new URLSearchParams({ run_id: study }), deps);
    expect(search).not.toHaveBeenCalled();
    search.mockRestore();
    const answer = JSON.parse(first.body.toString()) as { children: { info: { run_id: string } }[]; series: { series: unknown[] } };
    expect(answer.children.map((k) => k.info.run_id).sort()).toEqual([...trials].sort());
    expect(answer.series.series).toHaveLength(3);
    const fresh = await runPageAnswer(new URLSearchParams({ run_id: study }), { ...deps, answers: new AnswerCache() });
    expect(fresh.body.equals(first.body)).toBe(true);
  });
});
