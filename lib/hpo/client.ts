import { DojoError, type DojoErrorCode } from '../errors';
import type { EnqueueResult, RendezvousResult, StudyDetail, StudyInfo, StudySpecInput, TellState, TrialAsk } from './api';
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
