import { DojoError, type DojoErrorCode } from '../errors';
import type { EnqueueResult, RendezvousResult, StudyDetail, StudyInfo, StudySpecInput, TellAndAskResult, TellState, TrialAsk } from './api';
import type { Params } from './space';

const CODES: Record<number, DojoErrorCode> = { 400: 'USAGE', 404: 'NOT_FOUND', 408: 'LOST', 409: 'CONFLICT', 503: 'UNAVAILABLE' };

/** A client of the HPO service's API v1; every failure is a DojoError carrying the server's message. */
export class HpoClient {
  private readonly base: string;
  private readonly token: string | undefined;

  /** `token`: the dojo's bearer token. @default - DOJO_TOKEN from the environment (workers get it there) */
  constructor(baseUrl: string, options: { readonly token?: string } = {}) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.token = options.token ?? (process.env.DOJO_TOKEN || undefined);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, allow409 = false): Promise<T | undefined> {
    let res: Response;
    try {
      // Every POST carries a JSON body ({} when there is nothing to say): the service refuses others.
      const json = method === 'POST' ? JSON.stringify(body ?? {}) : undefined;
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: json,
      });
    } catch (e) {
      throw new DojoError('UNAVAILABLE', `HPO service at ${this.base} does not answer (${(e as Error).message}); is \`dojo hpo serve\` running?`, { cause: e });
    }
    const text = await res.text();
    if (res.ok) return (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
    if (res.status === 409 && allow409) return undefined;
    let message = text;
    try {
      const j = JSON.parse(text) as { error?: string };
      if (j.error) message = j.error;
    } catch {
      // not JSON: keep the text
    }
    throw new DojoError(CODES[res.status] ?? (res.status >= 500 ? 'UNAVAILABLE' : 'USAGE'), `HPO service: ${method} ${path}: ${res.status}: ${message}`);
  }

  /** Creates a study (or returns the existing one of the same name and spec). */
  async createStudy(spec: StudySpecInput): Promise<StudyInfo> {
    return (await this.call<StudyInfo>('POST', '/api/v1/studies', spec))!;
  }

  /** Every study. */
  async listStudies(): Promise<StudyInfo[]> {
    return (await this.call<StudyInfo[]>('GET', '/api/v1/studies'))!;
  }

  /** One study with its trials and best trial (id or name). */
  async getStudy(id: string | number): Promise<StudyDetail> {
    return (await this.call<StudyDetail>('GET', `/api/v1/studies/${encodeURIComponent(String(id))}`))!;
  }

  /** The next trial, or undefined when the study has none left (409). */
  async ask(id: string | number): Promise<TrialAsk | undefined> {
    return this.call<TrialAsk>('POST', `/api/v1/studies/${encodeURIComponent(String(id))}/ask`, undefined, true);
  }

  /** Queues parameter sets as the study's next trials; with skipIfExists, sets already tried or queued are left out. */
  async enqueue(id: string | number, params: readonly Params[], opts: { skipIfExists?: boolean } = {}): Promise<EnqueueResult> {
    const body = opts.skipIfExists === undefined ? { params } : { params, skipIfExists: opts.skipIfExists };
    return (await this.call<EnqueueResult>('POST', `/api/v1/studies/${encodeURIComponent(String(id))}/enqueue`, body))!;
  }

  /** Reports an intermediate value; `prune: true` means stop and tell "pruned". */
  async report(id: string | number, number: number, step: number, value: number): Promise<{ prune: boolean }> {
    return (await this.call<{ prune: boolean }>('POST', `/api/v1/studies/${encodeURIComponent(String(id))}/report`, { number, step, value }))!;
  }

  /** Finishes a trial. */
  async tell(id: string | number, number: number, state: TellState, value?: number): Promise<void> {
    await this.call('POST', `/api/v1/studies/${encodeURIComponent(String(id))}/tell`, value === undefined ? { number, state } : { number, state, value });
  }

  /**
   * Finishes a trial and gets the next one in the same round trip (tell-and-ask); undefined when the
   * study has none left. A service without tell-and-ask (before it was added) rejects the `next`
   * field with 400: ask then.
   */
  async tellAndAsk(id: string | number, number: number, state: TellState, value?: number): Promise<TrialAsk | undefined> {
    const body = { number, state, ...(value === undefined ? {} : { value }), next: {} };
    const r = (await this.call<TellAndAskResult>('POST', `/api/v1/studies/${encodeURIComponent(String(id))}/tell`, body))!;
    return r.next ?? undefined;
  }

  /**
   * Announces the tell that follows (`ahead: true`): nothing is told; the service starts computing
   * the next proposal for the history this tell will make, so the real tell-and-ask sent after the
   * model is saved finds it ready.
   */
  async tellAhead(id: string | number, number: number, state: TellState, value?: number): Promise<void> {
    await this.call('POST', `/api/v1/studies/${encodeURIComponent(String(id))}/tell`, { number, state, ...(value === undefined ? {} : { value }), ahead: true });
  }

  /** Keeps a running trial alive between reports. */
  async heartbeat(id: string | number, number: number): Promise<void> {
    await this.call('POST', `/api/v1/studies/${encodeURIComponent(String(id))}/heartbeat`, { number });
  }

  /** The HTML report of a study (plots inline as SVG); x/y choose the contour pair. */
  async reportHtml(id: string | number, pair?: [string, string]): Promise<string> {
    const q = pair ? `?x=${encodeURIComponent(pair[0])}&y=${encodeURIComponent(pair[1])}` : '';
    return (await this.call<string>('GET', `/api/v1/studies/${encodeURIComponent(String(id))}/report${q}`))!;
  }

  /** Waits until `replicas` members joined `key`; a LOST DojoError (408) after the timeout. */
  async joinRendezvous(key: string, o: { replicas: number; addr: string; timeoutMs?: number }): Promise<RendezvousResult> {
    return (await this.call<RendezvousResult>('POST', `/api/v1/rendezvous/${encodeURIComponent(key)}/join`, o))!;
  }
}

// A worker's tells and asks through tell-and-ask: the tell of one trial brings back the next one, so a
// worker that tells and then asks makes one round trip instead of two, and its ask meets the
// proposal the service started computing with the tell. Used by the built-in worker loop and the
// command-job driver (here because the runtime may import only the client side of lib/hpo).

/** What AskAhead needs of an HPO client (tellAndAsk optional: clients of older services, test doubles). */
export type AskAheadClient = Pick<HpoClient, 'ask' | 'tell'> & Partial<Pick<HpoClient, 'tellAndAsk' | 'tellAhead'>>;

/**
 * Tells and asks for one study. `tell` asks for the next trial with the tell when `wantNext(state)`
 * says the worker will run one; `ask` then hands that trial out instead of asking again. A service
 * without tell-and-ask (400 naming `next`) gets a plain tell and ask from then on.
 */
export class AskAhead {
  private held: { readonly trial: TrialAsk | undefined } | undefined;
  private supported: boolean;

  /** @param wantNext whether the worker goes on after a tell of this state (false: a plain tell) */
  constructor(
    private readonly hpo: AskAheadClient,
    private readonly studyId: string | number,
    private readonly wantNext: (state: TellState) => boolean = () => true,
  ) {
    this.supported = typeof hpo.tellAndAsk === 'function';
  }

  /** Finishes a trial (bringing back the next one when wanted). */
  async tell(number: number, state: TellState, value?: number): Promise<void> {
    if (!this.supported || !this.wantNext(state)) return this.hpo.tell(this.studyId, number, state, value);
    try {
      this.held = { trial: await this.hpo.tellAndAsk!(this.studyId, number, state, value) };
    } catch (e) {
      if (!(e instanceof DojoError && e.code === 'USAGE' && /\bnext\b/.test(e.message))) throw e;
      this.supported = false;
      await this.hpo.tell(this.studyId, number, state, value);
    }
  }

  /**
   * Announces a tell that follows once the model is saved, so the next proposal computes meanwhile;
   * never waited for and never failing (a service without it, or any error, only loses the head start).
   */
  announce(number: number, state: TellState, value?: number): void {
    if (!this.supported || !this.hpo.tellAhead || !this.wantNext(state)) return;
    this.hpo.tellAhead(this.studyId, number, state, value).catch(() => undefined);
  }

  /** The trial that came with the last tell, else a fresh ask; undefined when the study has none left. */
  async ask(): Promise<TrialAsk | undefined> {
    const held = this.held;
    this.held = undefined;
    return held ? held.trial : this.hpo.ask(this.studyId);
  }

  /** True when a trial came with the last tell and was not asked for yet. */
  get holding(): boolean {
    return this.held?.trial !== undefined;
  }

  /** The trial that came with the last tell and was not asked for yet: the service counts it as this worker's, running. */
  get next(): TrialAsk | undefined {
    return this.held?.trial;
  }

  /** Fails the trial that came with the last tell when the worker stops instead of running it (it would wait for its heartbeat timeout). */
  async release(): Promise<void> {
    const t = this.held?.trial;
    this.held = undefined;
    if (t) await this.hpo.tell(this.studyId, t.number, 'fail');
  }
}
