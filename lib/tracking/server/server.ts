import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DojoError } from '../../errors';
import { TrackingStore } from '../store';
import { ArtifactRepository, ARTIFACTS_DIR } from './artifact-repo';
import { readJsonBody, sendError, sendJson, sendText, toJson } from './http';
import { AnswerCache, sendAnswer } from './answer-cache';
import { argsFromQuery, type Args } from './parse';
import { ARTIFACT_PREFIXES, handleProxiedArtifact } from './proxied-artifacts';
import type { ApiMethod, ApiRoute, ServerDeps } from './route';
import { API_ROUTES } from './routes';
import { StaticFiles } from './static';
import { allowedHostsFromEnv, guardRequest, tokenCookie, tokenMatches, type GuardOptions } from '../../guard';
import { DOJO_API_PREFIX, handleDojoApi, type DojoApiDeps, type HpoLink } from './dojo-api';
import { warmRunPageAtRunEnd, warmSeriesAtRunEnd } from './dojo-api/warm';

/** Options of startTrackingServer. */
export interface TrackingServerOptions {
  /** Directory holding `mlflow.db` and `artifacts/`; created if missing. */
  readonly storeDir: string;
  /** @default '127.0.0.1' - loopback only */
  readonly host?: string;
  /** @default 0 - any free port */
  readonly port?: number;
  /**
   * Bearer token every request must carry (the dojo's token; the web UI gets it as a cookie from
   * `/?token=<token>`). Host and Origin checks and JSON-only POSTs apply with or without it.
   * @default - no token required
   */
  readonly token?: string;
  /**
   * The HPO service whose studies the web UI shows live (trial states, the values the pruner saw),
   * read through `/dojo-api/v1/hpo/studies/{id}`; a function when the service starts after this
   * server (it needs this server's URL). @default - none: study pages show what tracking holds
   */
  readonly hpoUri?: string | (() => string | undefined);
  /** The bearer token of that HPO service. @default `token` (a dojo's servers share one) */
  readonly hpoToken?: string;
}

/** A running embedded tracking server. */
export interface TrackingServerHandle {
  /** Base URL, e.g. http://127.0.0.1:5000 (what MLFLOW_TRACKING_URI would be). */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting, ends open connections and closes the store. */
  close(): Promise<void>;
}

/** The version string answered at /version (the MLflow API level this server speaks). */
export const SERVER_VERSION = '2.11.3';

const API_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'];

/**
 * The reads whose answers are kept until the store's next write (what the web UI asks on every
 * view: runs/search of a study's 200 trials costs tens of ms to make, a map lookup to find again).
 * They read rows only (no files, no clock), so one store generation gives one answer.
 */
const CACHED_READS: ReadonlySet<string> = new Set(['runs/search', 'runs/get', 'experiments/get', 'experiments/search', 'experiments/get-by-name']);

function isMethodOf(route: ApiRoute, method: string): method is ApiMethod {
  return (route.methods as readonly string[]).includes(method);
}

/**
 * The call's parameters: the query of a GET, the JSON body of a POST, PATCH or DELETE. As in
 * MLflow 2.11, a DELETE's query is ignored (a DELETE without a JSON body has no parameters, so it
 * is answered 400 naming the missing one), whatever the REST docs show.
 */
async function readArgs(req: IncomingMessage, method: ApiMethod, searchParams: URLSearchParams): Promise<Args> {
  if (method === 'GET') return argsFromQuery(searchParams);
  if (method !== 'DELETE' || req.headers['content-type'] !== undefined) return readJsonBody(req);
  req.resume();
  return {};
}

/** Builds the request handler: MLflow JSON API, proxied artifacts, /health, /version and the UI. */
export function createHandler(deps: ServerDeps, guard: GuardOptions = { host: '127.0.0.1' }, hpo: HpoLink = { uri: () => undefined }): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = new Map<string, ApiRoute>(API_ROUTES.map((r) => [r.path, r]));
  const ui = new StaticFiles();
  const answers = new AnswerCache();
  const dojoDeps: DojoApiDeps = { store: deps.store, hpo, answers, artifacts: deps.artifacts };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Not new URL(): it would resolve `..` segments before the artifact code could refuse them.
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const searchParams = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    const method = req.method ?? 'GET';
    const apiPrefix = API_PREFIXES.find((p) => path.startsWith(p));
    if (apiPrefix) {
      const route = routes.get(path.slice(apiPrefix.length).replace(/\/$/, ''));
      if (!route) return sendText(res, 404, 'Not Found');
      if (!isMethodOf(route, method)) return sendText(res, 405, 'Method Not Allowed', { Allow: route.methods.join(', ') });
      const args = await readArgs(req, method, searchParams);
      if (CACHED_READS.has(route.path)) {
        // The generation is read before the answer is made (both synchronous: nothing writes between).
        const key = `${route.path} ${method} ${JSON.stringify(args)}`;
        const generation = deps.store.generation();
        return sendAnswer(req, res, answers.get(key, generation) ?? answers.set(key, generation, toJson(route.handle(args, deps, method))));
      }
      sendJson(res, 200, route.handle(args, deps, method));
      // A run that ended has its curves thinned for the web UI now, not at the first view; a
      // study's run that ended, its page's answer made.
      if (route.path === 'runs/update') {
        warmSeriesAtRunEnd(args, deps.store);
        warmRunPageAtRunEnd(args, dojoDeps);
      }
      return;
    }
    const artifactPrefix = ARTIFACT_PREFIXES.find((p) => path === p || path.startsWith(p + '/'));
    if (artifactPrefix) return handleProxiedArtifact(req, res, path.slice(artifactPrefix.length), searchParams, deps.artifacts);
    if (path.startsWith(DOJO_API_PREFIX)) return handleDojoApi(req, res, path.slice(DOJO_API_PREFIX.length), searchParams, dojoDeps);
    if (path === '/health') return sendText(res, 200, 'OK');
    if (path === '/version') return sendText(res, 200, SERVER_VERSION);
    if ((method === 'GET' || method === 'HEAD') && ui.serve(path, res, req)) return;
    sendText(res, 404, 'Not Found');
  };
  return (req, res) => {
    if (!admit(req, res, guard)) return;
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, e);
    });
  };
}

/**
 * Applies the request guard; answers a refusal (MLflow's error body on the API, text elsewhere) and
 * turns the UI's one-time `/?token=<token>` into an HttpOnly cookie. False when answered here.
 */
function admit(req: IncomingMessage, res: ServerResponse, guard: GuardOptions): boolean {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  let refusal = guardRequest(req, { ...guard, cookie: true, isPublic: (m, p) => p === '/health' && (m === 'GET' || m === 'HEAD') });
  const given = path === '/' && q >= 0 ? new URLSearchParams(rawUrl.slice(q + 1)).get('token') : null;
  if (given !== null && guard.token !== undefined && (refusal === undefined || refusal.status === 401) && tokenMatches(given, guard.token)) {
    // The token leaves the address bar (and history) at once; the page then works from the cookie.
    res.writeHead(303, { Location: '/', 'Set-Cookie': tokenCookie(guard.token), 'Cache-Control': 'no-store', 'Content-Length': 0 });
    res.end();
    req.resume();
    return false;
  }
  if (!refusal) return true;
  req.resume();
  // MLflow answers a POST that is not JSON with 400 INVALID_PARAMETER_VALUE; clients expect that.
  if (refusal.status === 415) refusal = { status: 400, message: `Bad Request. ${refusal.message}` };
  const errorCode = { 400: 'INVALID_PARAMETER_VALUE', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 415: 'INVALID_PARAMETER_VALUE' }[refusal.status];
  const headers: Record<string, string> = refusal.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
  if (API_PREFIXES.some((p) => path.startsWith(p)) || ARTIFACT_PREFIXES.some((p) => path.startsWith(p))) {
    const text = JSON.stringify({ error_code: errorCode, message: refusal.message });
    res.writeHead(refusal.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  } else {
    sendText(res, refusal.status, refusal.status === 401 ? `${refusal.message}\nOpen the UI with the URL that \`dojo inspect\` prints as DOJO_UI_URL.\n` : refusal.message + '\n', headers);
  }
  return false;
}

/**
 * Starts the embedded MLflow-compatible tracking server on a SQLite store. Rejects (and closes
 * the store) when the port cannot be bound, so a caller may retry on another port.
 */
export async function startTrackingServer(opts: TrackingServerOptions): Promise<TrackingServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const store = new TrackingStore(opts.storeDir);
  const artifacts = new ArtifactRepository(join(opts.storeDir, ARTIFACTS_DIR));
  const hpoUri = opts.hpoUri;
  const hpoToken = opts.hpoToken ?? opts.token;
  const hpo: HpoLink = { uri: typeof hpoUri === 'function' ? hpoUri : () => hpoUri, ...(hpoToken ? { token: hpoToken } : {}) };
  const guard: GuardOptions = { host, allowedHosts: allowedHostsFromEnv(), ...(opts.token ? { token: opts.token } : {}) };
  const server = createServer({ keepAliveTimeout: 30_000 }, createHandler({ store, artifacts }, guard, hpo));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    store.close();
    throw new DojoError('UNAVAILABLE', `tracking server: cannot listen on ${host}:${opts.port ?? 0}: ${(e as Error).message}; pick another --port`, { cause: e });
  }
  const port = (server.address() as AddressInfo).port;
  // A wildcard bind is reached through loopback.
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      })),
  };
}
