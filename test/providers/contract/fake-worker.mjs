// A stand-in for `dojo worker run` in the Provider contract suite: a real process that keeps the
// worker side of the contract without training. It prints the dojo variables it was given (one
// `contract-worker env {...}` line), records its trial in the status file when the provider gave
// one (as runtime/src/worker/status.ts does), and asks for trials and tells each complete with a
// value computed from its params until the study has handed them all out (409). With
// CONTRACT_WORKER=hold in its environment it takes one trial and keeps it: a worker that hangs.
import { renameSync, writeFileSync } from 'node:fs';

const env = process.env;
const shown = Object.fromEntries(Object.entries(env).filter(([k]) => /^(DOJO|KAEN|AWS|CONTRACT)_/.test(k)));
process.stdout.write(`contract-worker env ${JSON.stringify(shown)}\n`);

function status(trial, runId) {
  const file = env.DOJO_WORKER_STATUS_FILE;
  if (!file) return;
  writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, trial, runId, updatedAt: new Date().toISOString() }));
  renameSync(`${file}.tmp`, file);
}

const study = `${env.DOJO_HPO_URI}/api/v1/studies/${encodeURIComponent(env.DOJO_STUDY)}`;
// The dojo's servers require its token when the provider gives one (as the HPO client sends it).
const auth = env.DOJO_TOKEN ? { authorization: `Bearer ${env.DOJO_TOKEN}` } : {};
const post = (path, body) =>
  fetch(`${study}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: body === undefined ? undefined : JSON.stringify(body) });

for (;;) {
  const asked = await post('ask');
  if (asked.status === 409) break;
  if (!asked.ok) throw new Error(`ask answered ${asked.status}: ${await asked.text()}`);
  const trial = await asked.json();
  status(trial.number, trial.runId);
  process.stdout.write(`trial ${trial.number} [trial ${trial.number}]\n`);
  if (env.CONTRACT_WORKER === 'hold') {
    // Keeps the trial until the process is ended.
    setInterval(() => undefined, 60_000);
    await new Promise(() => undefined);
  }
  const value = Object.values(trial.params).reduce((sum, v) => sum + (typeof v === 'number' ? v : 0), 0);
  const told = await post('tell', { number: trial.number, state: 'complete', value });
  if (!told.ok) throw new Error(`tell answered ${told.status}: ${await told.text()}`);
  status(null);
}
process.stdout.write('contract-worker done\n');
