import type { IncomingMessage, ServerResponse } from 'node:http';
import { TrackingError } from '../../errors';
import type { TrackingStore } from '../../store';
import { sendAnswer, type AnswerCache, type CachedAnswer } from '../answer-cache';
import type { ArtifactRepository } from '../artifact-repo';
import { sendError, sendText } from '../http';
import { fetchStudy } from './hpo-proxy';
import { runPageAnswer } from './run-page';
import { seriesRoute } from './series';

/** Where dojo's own read-only routes for the web UI live (beside MLflow's API, never inside it). */
export const DOJO_API_PREFIX = '/dojo-api/v1/';

/** The HPO service a tracking server is linked to. */
export interface HpoLink {
  /** Its URL, if any (asked at every request: it may start after the tracking server). */
  readonly uri: () => string | undefined;
  /** Its bearer token. @default - none sent */
  readonly token?: string;
}

/** What the dojo routes read. */
export interface DojoApiDeps {
  readonly store: TrackingStore;
  readonly hpo: HpoLink;
  /** Where answers are kept until what they were made from changes. */
  readonly answers: AnswerCache;
  /** The runs' artifact files (a run's page lists its folder and its report's). */
  readonly artifacts: ArtifactRepository;
}

/**
 * Serves `GET /dojo-api/v1/series` (thinned metric series of many runs),
 * `GET /dojo-api/v1/run-page?run_id=ID` (a run's page's first data in one answer: run-page.ts) and
 * `GET /dojo-api/v1/hpo/studies/{id}` (the linked HPO service's study). Read-only: any other method
 * is a 405; answers are JSON that no other origin may read (no CORS headers), with an ETag (a
 * browser that kept one is answered 304), kept here until the store is written (series, run page) or the HPO
 * service says its study changed.
 */
export async function handleDojoApi(req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams, deps: DojoApiDeps): Promise<void> {
  const method = req.method ?? 'GET';
  req.resume();
  let answer: CachedAnswer;
  if (rest === 'series') {
    if (method !== 'GET') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET' });
    // The generation read before the series: a write while they are read (the route yields) makes
    // this answer one of an older generation, never found again.
    const key = `series ${query.toString()}`;
    const generation = deps.store.generation();
    answer = deps.answers.get(key, generation) ?? deps.answers.set(key, generation, await seriesRoute(query, deps.store));
  } else if (rest === 'run-page') {
    if (method !== 'GET') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET' });
    answer = await runPageAnswer(query, deps);
  } else if (rest.startsWith('hpo/studies/') && !rest.slice('hpo/studies/'.length).includes('/')) {
    if (method !== 'GET') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET' });
    let id: string;
    try {
      id = decodeURIComponent(rest.slice('hpo/studies/'.length));
    } catch {
      return sendError(res, new TrackingError('INVALID_PARAMETER_VALUE', 'Invalid study id: bad percent-encoding.'));
    }
    answer = await fetchStudy(deps.hpo.uri(), id, deps.hpo.token, deps.answers);
  } else return sendText(res, 404, 'Not Found');
  sendAnswer(req, res, answer, { 'X-Content-Type-Options': 'nosniff' });
}
