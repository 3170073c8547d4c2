// Ask latency of the HPO service at 100 and 1000 completed trials, TPE independent and
// multivariate, in process (engine.ask) and over HTTP on loopback (POST .../ask).
// Run: npx tsx bench/hpo/ask-latency.ts [--asks 200]
import { HpoClient } from '../../lib/hpo';
import { HpoEngine, SqliteStore, startHpoService } from '../../lib/hpo/service';
import { hartmann6 } from '../../testkit/hpo/objectives';

const asks = Number(process.argv[process.argv.indexOf('--asks') + 1]) || 200;

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Fills a study with n completed trials through the engine (sampler in the loop, like a real study). */
async function fill(engine: HpoEngine, name: string, multivariate: boolean, n: number): Promise<void> {
  await engine.createStudy({ name, space: hartmann6.space, sampler: { name: 'tpe', seed: 1, multivariate } });
  for (let i = 0; i < n; i++) {
    const t = await engine.ask(name);
    await engine.tell(name, t.number, 'complete', hartmann6.f(t.params));
  }
}

const rows: string[] = [];
for (const n of [100, 1000]) {
  for (const multivariate of [false, true]) {
    const label = `tpe ${multivariate ? 'multivariate' : 'independent'} @${n} complete`;
    // In process: the sampler and one SQLite insert per ask.
    const engine = new HpoEngine(new SqliteStore(':memory:'));
    await fill(engine, 's', multivariate, n);
    const inproc: number[] = [];
    for (let i = 0; i < asks; i++) {
      const t0 = performance.now();
      const t = await engine.ask('s');
      inproc.push(performance.now() - t0);
      await engine.tell('s', t.number, 'fail'); // keeps the model at n complete trials
    }
    engine.close();
    // Over HTTP: a service with a file db (WAL), same history.
    const svc = await startHpoService({ dbFile: ':memory:' });
    const c = new HpoClient(svc.url);
    await c.createStudy({ name: 's', space: hartmann6.space, sampler: { name: 'tpe', seed: 1, multivariate } });
    for (let i = 0; i < n; i++) {
      const t = (await c.ask('s'))!;
      await c.tell('s', t.number, 'complete', hartmann6.f(t.params));
    }
    const http: number[] = [];
    for (let i = 0; i < asks; i++) {
      const t0 = performance.now();
      const t = (await c.ask('s'))!;
      http.push(performance.now() - t0);
      await c.tell('s', t.number, 'fail');
    }
    await svc.close();
    rows.push(
      `${label.padEnd(36)} in-process p50 ${pct(inproc, 0.5).toFixed(2)} ms p99 ${pct(inproc, 0.99).toFixed(2)} ms | HTTP p50 ${pct(http, 0.5).toFixed(2)} ms p99 ${pct(http, 0.99).toFixed(2)} ms`,
    );
    console.log(rows[rows.length - 1]);
  }
}
