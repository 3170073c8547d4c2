import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingError, type Metric } from '../../lib/tracking';
import { serverUnderTest, uniqueName, type ServerUnderTest } from './harness';

let s: ServerUnderTest;
let exp: string;
beforeAll(async () => {
  s = await serverUnderTest();
  exp = await s.client.createExperiment(uniqueName('prop'));
});
afterAll(async () => s.close());

const key = fc.constantFrom('loss', 'acc', 'a/b', 'x.y');
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)),
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, 1),
);
const metric = fc.record({ key, value, timestamp: fc.integer({ min: 0, max: 4 }), step: fc.integer({ min: 0, max: 4 }) });
const pkey = fc.constantFrom('lr', 'opt', 'layers');
const pval = fc.constantFrom('a', 'b');

type Op =
  | { kind: 'metric'; m: Metric }
  | { kind: 'param'; key: string; value: string }
  | { kind: 'tag'; key: string; value: string }
  | { kind: 'batch'; metrics: Metric[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  metric.map((m) => ({ kind: 'metric' as const, m })),
  fc.record({ key: pkey, value: pval }).map((p) => ({ kind: 'param' as const, ...p })),
  fc.record({ key: pkey, value: pval }).map((p) => ({ kind: 'tag' as const, ...p })),
  fc.record({
    metrics: fc.array(metric, { maxLength: 6 }),
    params: fc.array(fc.record({ key: pkey, value: pval }), { maxLength: 3 }),
    tags: fc.array(fc.record({ key: pkey, value: pval }), { maxLength: 3 }),
  }).map((b) => ({ kind: 'batch' as const, ...b })),
);

/** Sort key of a value as the store orders history (NaN is stored as NULL, which sorts first). */
const valueRank = (v: number): number => (Number.isNaN(v) ? -Infinity : v);
/**
 * History order: timestamp, step, value. The embedded store puts NaN (NULL) before everything,
 * -Infinity included; MLflow's SQL store stores NaN as 0 with is_nan = 1, so it sorts as 0 and
 * after a real 0 (its unique index ends in is_nan).
 */
const cmpHistory =
  (sqlStore: boolean) =>
  (a: Metric, b: Metric): number => {
    const rank = (v: number): number => (sqlStore && Number.isNaN(v) ? 0 : valueRank(v));
    const [x, y] = [rank(a.value), rank(b.value)];
    const nanLast = Number(Number.isNaN(a.value)) - Number(Number.isNaN(b.value));
    return a.timestamp - b.timestamp || a.step - b.step || (x < y ? -1 : x > y ? 1 : sqlStore ? nanLast : -nanLast);
  };
/**
 * MLflow's latest: highest step, then timestamp, then value; the first of equals stays. NaN ranks
 * lowest in the embedded server and as 0 in MLflow's SQL store (which stores NaN as 0 + is_nan).
 */
const newer = (a: Metric, b: Metric, sqlStore: boolean): boolean => {
  const rank = (v: number): number => (sqlStore && Number.isNaN(v) ? 0 : valueRank(v));
  return a.step !== b.step ? a.step > b.step : a.timestamp !== b.timestamp ? a.timestamp > b.timestamp : rank(a.value) > rank(b.value);
};

/**
 * The reference model: what the run must read back as. `sqlStore` models MLflow 2.11's SQL store:
 * ±Infinity is stored as ±max double, and a point identical to a stored one (key, timestamp, step,
 * value) is stored once; the embedded server keeps both as given.
 */
class Model {
  constructor(private readonly sqlStore: boolean) {}
  history = new Map<string, Metric[]>();
  latest = new Map<string, Metric>();
  params = new Map<string, string>();
  tags = new Map<string, string>();

  /**
   * Applies a write and says whether the server must accept it. The client sends a point repeated
   * within one batch once (lib/tracking/batch.ts distinctPoints), so either server stores it once.
   */
  apply(given: Metric[], params: { key: string; value: string }[], tags: { key: string; value: string }[]): boolean {
    const metrics = given.filter((m, i) => !given.slice(0, i).some((x) => x.key === m.key && x.timestamp === m.timestamp && x.step === m.step && (x.value === m.value || (Number.isNaN(x.value) && Number.isNaN(m.value)))));
    const keys = params.map((p) => p.key);
    if (new Set(keys).size !== keys.length) return false;
    if (params.some((p) => this.params.has(p.key) && this.params.get(p.key) !== p.value)) return false;
    for (const p of params) this.params.set(p.key, p.value);
    for (const given of metrics) {
      const m = this.sqlStore && !Number.isFinite(given.value) && !Number.isNaN(given.value) ? { ...given, value: Math.sign(given.value) * Number.MAX_VALUE } : given;
      const same = (x: Metric): boolean => x.timestamp === m.timestamp && x.step === m.step && Object.is(x.value, m.value);
      if (this.sqlStore && (this.history.get(m.key) ?? []).some(same)) continue;
      this.history.set(m.key, [...(this.history.get(m.key) ?? []), m]);
      const cur = this.latest.get(m.key);
      if (!cur || newer(m, cur, this.sqlStore)) this.latest.set(m.key, m);
    }
    for (const t of tags) this.tags.set(t.key, t.value);
    return true;
  }
}

describe('tracking: random log sequences read back exactly', () => {
  it('history, latest values, params and tags match a reference model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const run = await s.client.createRun({ experimentId: exp, runName: 'prop' });
        const id = run.info.run_id;
        const model = new Model(!s.embedded);
        for (const o of ops) {
          const [metrics, params, tags] =
            o.kind === 'metric' ? [[o.m], [], []] : o.kind === 'param' ? [[], [o], []] : o.kind === 'tag' ? [[], [], [o]] : [o.metrics, o.params, o.tags];
          const ok = model.apply(metrics, params, tags);
          const call =
            o.kind === 'metric'
              ? s.client.logMetric(id, o.m.key, o.m.value, o.m.step, o.m.timestamp)
              : o.kind === 'param'
                ? s.client.logParam(id, o.key, o.value)
                : o.kind === 'tag'
                  ? s.client.setTag(id, o.key, o.value)
                  : s.client.logBatch(id, { metrics: o.metrics, params: o.params, tags: o.tags });
          const err = await call.then(() => undefined, (e: unknown) => e);
          if (ok) expect(err).toBeUndefined();
          else expect(err).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', status: 400 });
          if (err !== undefined && !(err instanceof TrackingError)) throw err;
        }
        const got = await s.client.getRun(id);
        const byKey = <T extends { key: string }>(xs: T[] | undefined): T[] => [...(xs ?? [])].sort((a, b) => a.key.localeCompare(b.key));
        expect(byKey(got.data.params)).toEqual(byKey([...model.params].map(([k, v]) => ({ key: k, value: v }))));
        expect(byKey(got.data.tags?.filter((t) => !t.key.startsWith('mlflow.')))).toEqual(byKey([...model.tags].map(([k, v]) => ({ key: k, value: v }))));
        expect(byKey(got.data.metrics)).toEqual(byKey([...model.latest.values()]));
        for (const [k, hist] of model.history) {
          const h = await s.client.getMetricHistory(id, k);
          expect(h).toEqual([...hist].sort(cmpHistory(!s.embedded)));
        }
      }),
      // A real MLflow takes ~30 ms a call: fewer sequences keep it within the time limit.
      { numRuns: s.embedded ? 40 : 15 },
    );
  }, 180_000);
});
