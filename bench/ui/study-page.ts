// Benchmark: how fast a study's pages load and become interactive in the tracking web UI, for a
// study of 200 trials that logged 1,000 points of each of 3 metrics (train_rmse, val_rmse,
// rows_per_sec) and reported 5 values each to the pruner. Servers as a local dojo runs them (the
// embedded tracking server linked to the HPO service, in this process), headless Debian chromium.
// Prints, per page, the time from navigation start to
//   - "top painted": progress and the compare charts drawn, painted and answering input (hover,
//     pick a metric), and the trials table built with its handlers (sort) after that paint — it is
//     below the screen, laid out and painted when scrolled to (content-visibility) — the study
//     page's `data-top-painted-at` mark; the explore views below are computed after it;
//   - "all drawn": every view drawn with every handler attached (the router's data-ready mark);
// for the first view right after the study ended (same server: each trial's curves were thinned
// when its run ended), the first view after a server restart (nothing cached) and later views;
// then the CPU a view costs and how long a brush takes to filter every view. Nothing of
// Playwright's runs in the page while it loads (the wait is a promise of the page's own).
//   npx tsx bench/ui/study-page.ts [--trials 200] [--points 1000] [--views 9]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { HpoClient } from '../../lib/hpo';
import { startHpoService } from '../../lib/hpo/service';
import { startTrackingServer, TrackingClient, type Metric } from '../../lib/tracking';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const TRIALS = arg('--trials', 200);
const POINTS = arg('--points', 1000);
const VIEWS = arg('--views', 9);
const KEYS = ['train_rmse', 'val_rmse', 'rows_per_sec'];

const dir = mkdtempSync(join(tmpdir(), 'dojo-bench-ui-'));
const link: { url?: string } = {};
let tracking = await startTrackingServer({ storeDir: join(dir, 'mlflow'), hpoUri: () => link.url });
const hpoService = await startHpoService({ dbFile: join(dir, 'hpo.db'), trackingUri: tracking.url, log: () => undefined });
link.url = hpoService.url;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  // The study: params from the HPO service, curves logged into each trial's run.
  const t0 = performance.now();
  const hpo = new HpoClient(hpoService.url);
  const space = {
    lr: { type: 'float', low: 1e-4, high: 0.1, log: true },
    batch_size: { type: 'categorical', choices: [256, 512, 1024, 2048] },
    layers: { type: 'int', low: 1, high: 4 },
    neurons: { type: 'int', low: 4, high: 32, step: 4 },
    optimizer: { type: 'categorical', choices: ['Adam', 'SGD'] },
  } as const;
  const info = await hpo.createStudy({ name: 'bench', metric: 'val_rmse', space, sampler: { name: 'random', seed: 1 }, pruner: { name: 'none' }, maxTrials: TRIALS });
  let client = new TrackingClient(tracking.url);
  for (let n = 0; n < TRIALS; n++) {
    const t = (await hpo.ask('bench'))!;
    const v = 2 + Math.abs(Math.log10(t.params.lr as number) + 2.5) + (t.params.optimizer === 'SGD' ? 0.5 : 0);
    const metrics: Metric[] = [];
    for (let s = 0; s < POINTS; s++) {
      const ts = 1_700_000_000_000 + n * POINTS + s;
      metrics.push({ key: 'train_rmse', value: v + 8 / (s + 2) + Math.sin(s) * 0.05, timestamp: ts, step: s }, { key: 'val_rmse', value: v + 6 / (s + 2), timestamp: ts, step: s }, { key: 'rows_per_sec', value: 1e6 + Math.cos(s) * 1e4, timestamp: ts, step: s });
    }
    for (let i = 0; i < metrics.length; i += 1000) await client.logBatch(t.runId!, { metrics: metrics.slice(i, i + 1000) });
    for (let k = 1; k <= 5; k++) await hpo.report('bench', t.number, (k * POINTS) / 5, v + 6 / ((k * POINTS) / 5 + 2));
    await hpo.tell('bench', t.number, n % 7 === 3 ? 'pruned' : n % 23 === 5 ? 'fail' : 'complete', v);
  }
  // Wait for the HPO service to have written the report and ended the study's run.
  for (let i = 0; (await client.getRun(info.parentRunId!)).info.status === 'RUNNING'; i++) {
    if (i > 600) throw new Error('the study run did not end');
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`study of ${TRIALS} trials × ${POINTS} points × ${KEYS.length} metrics written in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const phases = new Map<string, number[]>();
  // CPU time a view costs, whatever the load: the page's main thread (Chrome's TaskDuration) plus
  // this process (the tracking server and the HPO service; the benchmark's own share is small).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async () => ((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.find((m) => m.name === 'TaskDuration')!.value;
  const cpu = new Map<string, number[]>();
  // Waits for the page's data-ready mark without running anything of Playwright's in the page while
  // it loads (waitForFunction injects Playwright's script, ~20 ms of the page's main thread, and
  // polls on every animation frame): a promise of the page's own, checking every 20 ms.
  const ready = async (hash: string): Promise<void> => {
    const expression = `new Promise((resolve, reject) => {
      const t0 = Date.now();
      const check = () => {
        if (location.hash !== ${JSON.stringify(`#${hash}`)}) reject(new Error('not the page yet: ' + location.href));
        else if (document.body && document.body.getAttribute('data-ready') === ${JSON.stringify(hash)}) resolve(true);
        else if (Date.now() - t0 > 120000) reject(new Error('not ready in 120 s'));
        else setTimeout(check, 20);
      };
      check();
    })`;
    for (let tries = 0; ; tries++) {
      // (Right after the commit the old document may still answer, or be torn down under the call: asked again.)
      const r = (await cdp.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }).catch((e: Error) => ({ exceptionDetails: { text: e.message } }))) as { exceptionDetails?: { text: string; exception?: { description?: string } } };
      if (!r.exceptionDetails) return;
      const why = r.exceptionDetails.exception?.description ?? r.exceptionDetails.text;
      if (tries > 200 || /not ready in/.test(why)) throw new Error(`the page ${hash} was not ready: ${why}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  type View = { readyAt: number; topAt: number };
  const view = async (hash: string): Promise<View> => {
    await page.goto('about:blank');
    const task0 = await taskSeconds();
    const cpu0 = process.cpuUsage();
    await page.goto(`${tracking.url}/#${hash}`, { waitUntil: 'commit' });
    await ready(hash);
    const used = process.cpuUsage(cpu0);
    const key = hash.split('?')[0]!.split('/')[1] || 'experiments';
    cpu.set(key, [...(cpu.get(key) ?? []), (await taskSeconds()) * 1000 - task0 * 1000 + (used.user + used.system) / 1000]);
    const r = await page.evaluate(() => ({
      readyAt: Number(document.body.getAttribute('data-ready-at')),
      topAt: Number(document.body.getAttribute('data-top-painted-at') ?? NaN),
      measures: performance.getEntriesByType('measure').map((m) => [m.name, m.duration] as const),
      script: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => /\/static\/app(\.[\w-]+)?\.js$/.test(e.name))?.responseEnd ?? NaN,
    }));
    for (const [k, d] of [...r.measures, ['app.js loaded at', r.script] as const]) phases.set(`${key} ${k}`, [...(phases.get(`${key} ${k}`) ?? []), d]);
    return r;
  };
  const studyHash = `/runs/${info.parentRunId}`;
  const kids = (await hpo.getStudy('bench')).trials.map((t) => t.runId!);
  const compareHash = `/compare?exp=${(await client.getRun(info.parentRunId!)).info.experiment_id}&runs=${kids.join(',')}`;
  // The UI's scripts are bundled on first request when run from source (app.js, and the page's
  // boot script with it): that is not a page load.
  for (const path of ['/static/app.js', '/']) await (await fetch(`${tracking.url}${path}`)).arrayBuffer();
  // Right after the study ended, on the server that ran it, in a browser that has the UI open
  // already (the experiments page: a new tab's first page also pays for starting its renderer).
  await view('/');
  const afterEnd = { study: await view(studyHash), compare: await view(compareHash) };

  // A fresh server process state: restart the tracking server on the same store (empty caches).
  const port = tracking.port;
  await tracking.close();
  tracking = await startTrackingServer({ storeDir: join(dir, 'mlflow'), port, hpoUri: () => link.url });
  client = new TrackingClient(tracking.url);
  // (Once more: a kept-alive socket to the closed server may fail the first try.)
  await fetch(`${tracking.url}/static/app.js`).catch(() => fetch(`${tracking.url}/static/app.js`)).then((r) => r.arrayBuffer());
  await (await fetch(`${tracking.url}/`)).arrayBuffer();

  const rows: string[] = [];
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '—');
  const measure = async (label: string, hash: string, ended: View) => {
    const first = await view(hash);
    const later: View[] = [];
    for (let i = 0; i < VIEWS; i++) later.push(await view(hash));
    for (const [what, pick] of [['top painted', (v: View) => v.topAt], ['all drawn', (v: View) => v.readyAt]] as const) {
      const xs = later.map(pick);
      if (!xs.every(Number.isFinite)) continue;
      rows.push(`| ${label}: ${what} | ${ms(pick(ended))} | ${ms(pick(first))} | ${ms(median(xs))} | ${ms(Math.min(...xs))}–${ms(Math.max(...xs))} |`);
    }
  };
  await measure('study page (`#/runs/<study>`)', studyHash, afterEnd.study);
  await measure(`compare ${TRIALS} runs (\`#/compare?runs=…\`)`, compareHash, afterEnd.compare);

  // Interactive: a brush on the objective axis (keyboard: the top quarter) filters every view.
  await view(studyHash);
  const brushMs: number[] = [];
  for (let i = 0; i < VIEWS; i++) {
    brushMs.push(
      await page.evaluate(async () => {
        const axis = document.querySelector<SVGGElement>('g.axis[data-axis="(objective)"]')!;
        const before = Number(document.body.getAttribute('data-renders'));
        const t = performance.now();
        axis.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
        if (Number(document.body.getAttribute('data-renders')) === before) throw new Error('the brush did not render');
        // Clear it again for the next round.
        document.querySelector<SVGGElement>('g.axis[data-axis="(objective)"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
        return performance.now() - t;
      }),
    );
  }
  const points = await page.evaluate(() => [...document.querySelectorAll('figure.curves-card')].map((f) => `${f.getAttribute('data-metric')}: ${f.getAttribute('data-points')}`).join(', '));
  console.log(`trials ${TRIALS} × ${POINTS} points × ${KEYS.length} metrics; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; points drawn ${points}`);
  console.log('| page: when | first view right after the study ended, ms | first view after a server restart, ms | later views, median ms | later views, range ms |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`CPU per view (page main thread + servers), median ms: ${[...cpu].map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(', ')}`);
  console.log(`phases (median ms over all views): ${[...phases].map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(', ')}`);
  console.log(`brush → every view filtered and redrawn (twice: brush, clear): median ${median(brushMs).toFixed(0)} ms (range ${Math.min(...brushMs).toFixed(0)}–${Math.max(...brushMs).toFixed(0)})`);
} finally {
  await browser.close();
  await hpoService.close();
  await tracking.close();
  rmSync(dir, { recursive: true, force: true });
}
