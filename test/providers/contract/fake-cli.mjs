// The CLI the local provider starts in the Provider contract suite: `worker run` is the fake worker
// (fake-worker.mjs), every other command (the manager) is the real built CLI, with the same argv.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[2] === 'worker' && process.argv[3] === 'run') await import('./fake-worker.mjs');
else await import(pathToFileURL(join(here, '..', '..', '..', 'dist', 'bin', 'dojo.js')).href);
