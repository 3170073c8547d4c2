// The service side of the proposal thread: starts thread.ts as a worker_threads worker on first
// use, sends it proposal requests and hands back their answers. From source (tsx, vitest) the thread
// runs thread.ts through tsx's loader; the built CLI embeds the thread's bundle
// (scripts/build.mjs defines DOJO_HPO_THREAD_JS) and runs it from that text.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DojoError } from '../../errors';
import type { Proposal } from '../types';
import type { ProposeReply, ProposeRequest } from './wire';

declare const DOJO_HPO_THREAD_JS: string | undefined;

/** What a request of a proposal computed ahead may come back as besides a proposal: dropped because its history moved on. */
export const SKIPPED = Symbol('skipped');

/** A request without its id (the proposer numbers them). */
export type ProposalJob = Omit<ProposeRequest, 'id'>;

interface Pending {
  readonly resolve: (p: Proposal | undefined | typeof SKIPPED) => void;
  readonly reject: (e: Error) => void;
}

/**
 * One proposal thread per HPO service, started by the first ask of a study with a heavy sampler
 * (warm), so that it loads while that study's first, cheap startup trials run. Requests are answered in order; one computed ahead is
 * answered SKIPPED when a later request of its study is already waiting. close() ends the thread
 * and rejects what is still pending.
 */
export class ProposalThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Why the thread failed; then the service computes in process (the engine's fallback) and no new thread is started. */
  private broken: string | undefined;
  private exited: Promise<void> = Promise.resolve();

  /** Starts the thread now if it is not running (it takes a moment to load), so that a later heavy ask does not wait for that. */
  warm(): void {
    try {
      this.thread();
    } catch {
      // closed or broken: the asks say so, or compute in process
    }
  }

  /** The thread's proposal for job, or SKIPPED (only for `ahead` jobs). Rejects when the thread fails or is closed. */
  propose(job: ProposalJob): Promise<Proposal | undefined | typeof SKIPPED> {
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id } satisfies ProposeRequest);
    });
  }

  /** Ends the thread; pending requests are rejected. Resolves once the thread has exited. */
  close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new DojoError('UNAVAILABLE', 'the HPO service is closing'));
    if (w) this.exited = w.terminate().then(() => undefined);
    return this.exited;
  }

  private thread(): Worker {
    if (this.closed) throw new DojoError('UNAVAILABLE', 'the HPO service is closing');
    if (this.broken) throw new Error(`the proposal thread failed earlier: ${this.broken}`);
    if (this.worker) return this.worker;
    const w = startThread();
    // The service's open server keeps the process alive, not this thread.
    w.unref();
    w.on('message', (r: ProposeReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.kind === 'proposal') p.resolve(r.proposal);
      else if (r.kind === 'skipped') p.resolve(SKIPPED);
      else p.reject(new Error(r.message));
    });
    w.on('error', (e) => {
      if (this.worker === w) this.worker = undefined;
      this.broken ??= e.message;
      this.failAll(e);
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return; // terminated by close(), or after its error
      this.worker = undefined;
      this.broken ??= `exited with code ${code}`;
      this.failAll(new Error(`the proposal thread exited (code ${code})`));
    });
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}

function startThread(): Worker {
  if (typeof DOJO_HPO_THREAD_JS === 'string') return new Worker(DOJO_HPO_THREAD_JS, { eval: true });
  // From source (tsx, vitest): thread.ts lies next to this module; tsx (a dev dependency) registers its loader in the thread first.
  const tsxApi = createRequire(import.meta.url).resolve('tsx/package.json').replace(/package\.json$/, 'dist/esm/api/index.mjs');
  const thread = new URL('./thread.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((m) => { m.register(); return import(${JSON.stringify(thread)}); })`;
  return new Worker(boot, { eval: true });
}
