// The HPO service's proposal thread (a worker_threads worker, started by proposer.ts): computes the
// proposals of heavy samplers (the GP) so that the service's event loop keeps answering tells,
// reports, heartbeats and other studies meanwhile. Each study's sampler is rebuilt here from its
// spec and seed, and every context from the trials sent, so a proposal is the one a cold ask in a
// fresh process makes.
import { parentPort } from 'node:worker_threads';
import { Rng } from '../rng';
import { createHeavySampler } from '../samplers/heavy';
import type { Proposal, Sampler } from '../types';
import type { ProposeReply, ProposeRequest } from './wire';

const port = parentPort;
if (!port) throw new Error('lib/hpo/proposer/thread.ts runs as a worker thread of the HPO service');

const samplers = new Map<number, Sampler>();
const queue: ProposeRequest[] = [];
let scheduled = false;

port.on('message', (m: ProposeRequest) => {
  queue.push(m);
  if (!scheduled) {
    scheduled = true;
    // Drained one request per turn, so requests that arrived meanwhile are seen before each computation.
    setImmediate(drain);
  }
});

function drain(): void {
  const m = queue.shift();
  if (m) port!.postMessage(answer(m));
  if (queue.length > 0) setImmediate(drain);
  else scheduled = false;
}

function answer(m: ProposeRequest): ProposeReply {
  // A request of the same study queued behind this one means the history has moved on: this result would never be used.
  if (m.ahead && queue.some((q) => q.study.id === m.study.id)) return { id: m.id, kind: 'skipped' };
  try {
    let sampler = samplers.get(m.study.id);
    if (!sampler) {
      sampler = createHeavySampler(m.study.spec, m.study.seed);
      if (!sampler) throw new Error(`sampler ${m.study.spec.sampler.name} is not computed on the proposal thread`);
      samplers.set(m.study.id, sampler);
    }
    const ctx = { space: m.study.spec.space, direction: m.direction, trials: m.trials, number: m.number, rng: new Rng(m.study.seed, m.number) };
    const proposal: Proposal | undefined = sampler.propose ? sampler.propose(ctx) : labelled(sampler, sampler.sample(ctx));
    return { id: m.id, kind: 'proposal', proposal };
  } catch (e) {
    return { id: m.id, kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

function labelled(sampler: Sampler, params: Proposal['params'] | undefined): Proposal | undefined {
  return params ? { params, by: sampler.name } : undefined;
}
