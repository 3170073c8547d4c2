// The page's boot script, inline in the HTML before anything else (the server puts it there, with
// its hash in the page's CSP): a run's page and the compare page start their requests at once,
// while the stylesheets and app.js load and compile; app.js then takes the wave over
// (pages/run-wave.ts, pages/compare-wave.ts). Nothing is drawn here.
import { leaveWave } from './dom/boot-wave';
import { compareWaveKey, startCompareWave } from './pages/compare-wave';
import { runWaveKey, startRunWave } from './pages/run-wave';

const [path, qs] = window.location.hash.replace(/^#/, '').split('?');
const query = new URLSearchParams(qs ?? '');
const run = /^\/runs\/([0-9a-zA-Z]+)$/.exec(path ?? '');
if (run) leaveWave(runWaveKey(run[1]!), startRunWave(run[1]!));
else if (path === '/compare') leaveWave(compareWaveKey(query), startCompareWave(query));
