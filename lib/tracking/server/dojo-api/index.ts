import type { IncomingMessage, ServerResponse } from 'node:http';
import { TrackingError } from '../../errors';
import type { TrackingStore } from '../../store';
import { sendError, sendText } from '../http';
import { fetchStudy } from './hpo-proxy';
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
}

/**
 * Serves `GET /dojo-api/v1/series` (thinned metric series of many runs) and
 * `GET /dojo-api/v1/hpo/studies/{id}` (the linked HPO service's study). Read-only: any other method
 * is a 405; answers are JSON that no other origin may read (no CORS headers) and is never cached.
 */
export async function handleDojoApi(req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams, deps: DojoApiDeps): Promise<void> {
  const method = req.method ?? 'GET';
  req.resume();
  let text: string;
  if (rest === 'series') {
    if (method !== 'GET') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET' });
    text = await seriesRoute(query, deps.store);
  } else if (rest.startsWith('hpo/studies/') && !rest.slice('hpo/studies/'.length).includes('/')) {
    if (method !== 'GET') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET' });
    let id: string;
    try {
      id = decodeURIComponent(rest.slice('hpo/studies/'.length));
    } catch {
      return sendError(res, new TrackingError('INVALID_PARAMETER_VALUE', 'Invalid study id: bad percent-encoding.'));
    }
    // Plain JSON.stringify (no replacer for MLflow's "NaN"): the HPO service's study is parsed JSON.
    text = JSON.stringify(await fetchStudy(deps.hpo.uri(), id, deps.hpo.token));
  } else return sendText(res, 404, 'Not Found');
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}
