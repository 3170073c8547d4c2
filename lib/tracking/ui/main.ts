// The tracking UI's entry: routes the URL hash to a page, shows errors instead of a blank screen,
// and marks the body with `data-ready` once a page has rendered (what tests and benchmarks wait for).
import { h } from './dom/h';
import { comparePage } from './pages/compare';
import { experimentsPage } from './pages/experiments';
import { runPage } from './pages/run';
import { dropWave } from './dom/boot-wave';
import { runsPage } from './pages/runs';
import { show, type PageHandle } from './pages/shell';

let current: PageHandle | void;
let generation = 0;

async function route(): Promise<void> {
  const mine = ++generation;
  current?.dispose();
  current = undefined;
  const started = performance.now();
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, qs] = hash.split('?');
  const query = new URLSearchParams(qs ?? '');
  document.body.removeAttribute('data-ready');
  try {
    let m: RegExpExecArray | null;
    let page: PageHandle | void = undefined;
    if ((m = /^\/experiments\/([^/]+)$/.exec(path!))) await runsPage(decodeURIComponent(m[1]!), query);
    else if ((m = /^\/runs\/([0-9a-zA-Z]+)$/.exec(path!))) page = await runPage(m[1]!, query);
    else if (path === '/compare') await comparePage(query);
    else await experimentsPage();
    // A page that finished after the user moved on is stopped at once.
    if (mine !== generation) page?.dispose();
    else current = page;
  } catch (e) {
    if (mine === generation) show(h('h1', {}, 'Error'), h('div', { class: 'error', role: 'alert' }, (e as Error).message), h('p', {}, h('a', { href: '#/' }, 'back to experiments')));
  }
  if (mine !== generation) return;
  // Milliseconds since the route started and since the navigation started (what a benchmark reads).
  document.body.setAttribute('data-render-ms', (performance.now() - started).toFixed(1));
  document.body.setAttribute('data-ready-at', performance.now().toFixed(1));
  document.body.setAttribute('data-ready', hash);
}

// When the page's own code started (after its download and compile; what a benchmark reads).
performance.measure('dojo:app.js started', { start: 0, end: performance.now() });
window.addEventListener('hashchange', () => {
  // What the boot script fetched belongs to the page the browser opened first.
  dropWave();
  void route();
});
void route();
