// The page's boot script, inline in the HTML before anything else (the server puts it there, with
// its hash in the page's CSP): a run's page starts its requests at once, while the stylesheets and
// app.js load and compile; app.js then takes the wave over (pages/run-wave.ts). Nothing is drawn here.
import { leaveRunWave, startRunWave } from './pages/run-wave';

const m = /^#\/runs\/([0-9a-zA-Z]+)(\?|$)/.exec(window.location.hash);
if (m) leaveRunWave(startRunWave(m[1]!));
