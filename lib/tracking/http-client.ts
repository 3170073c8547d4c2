import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { DojoError } from '../errors';
import { TrackingError } from './errors';

/** Options of the HTTP layer of TrackingClient. */
export interface HttpOptions {
  /** Attempts after the first one on connection errors and 5xx. @default 5 */
  readonly retries?: number;
  /** Per-attempt timeout. @default 30000 */
  readonly timeoutMs?: number;
  /** First backoff delay, doubled each retry (with jitter), capped at 5 s. @default 200 */
  readonly backoffMs?: number;
  /** Bearer token sent as `Authorization: Bearer <token>` (a dojo's servers require it). @default - MLFLOW_TRACKING_TOKEN, as MLflow's clients */
  readonly token?: string;
  /** Credentials and TLS settings, as MLflow's clients read them. @default - MLflow's auth variables in the environment */
  readonly auth?: TrackingAuth;
}

/** How a client authenticates to a tracking server: MLflow's own environment variables. */
export interface TrackingAuth {
  /** `Authorization` header value (Bearer token or Basic credentials). */
  readonly authorization?: string;
  /** Accept any TLS certificate (MLFLOW_TRACKING_INSECURE_TLS=true). */
  readonly insecureTls?: boolean;
}

/** MLflow's auth variables that dojo honours and passes to workers and the HPO service. */
export const MLFLOW_AUTH_VARIABLES = ['MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_INSECURE_TLS'] as const;

/**
 * The credentials MLflow's own clients would use: MLFLOW_TRACKING_TOKEN as a Bearer token, else
 * MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD as Basic auth; MLFLOW_TRACKING_INSECURE_TLS=true
 * skips certificate checks. (A dojo server that requires a token reads the same variable.)
 */
export function trackingAuthFromEnv(env: NodeJS.ProcessEnv = process.env): TrackingAuth {
  const token = env['MLFLOW_TRACKING_TOKEN'];
  const user = env['MLFLOW_TRACKING_USERNAME'];
  const password = env['MLFLOW_TRACKING_PASSWORD'];
  const authorization = token ? `Bearer ${token}` : user && password !== undefined ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined;
  const insecureTls = (env['MLFLOW_TRACKING_INSECURE_TLS'] ?? '').toLowerCase() === 'true';
  return { ...(authorization ? { authorization } : {}), ...(insecureTls ? { insecureTls } : {}) };
}

/**
 * The server could not be reached or failed (connection error, timeout, 5xx) after every retry.
 * `maybeDelivered` is false only when the request certainly never reached the server (connection
 * refused), so a caller that must not duplicate a write knows when to check before resending.
 */
export class TrackingUnavailableError extends DojoError {
  constructor(
    message: string,
    readonly maybeDelivered: boolean,
    readonly status?: number,
    cause?: unknown,
  ) {
    super('UNAVAILABLE', message, { cause });
  }
}

/** JSON with MLflow's spelling of non-finite numbers. */
export function encodeJson(body: unknown): string {
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

function errorCodeOf(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = cur.cause;
  }
  return undefined;
}

/** A request as the HTTP layer sends it. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly body?: string | Uint8Array;
  readonly contentType?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A buffered HTTP answer. */
export interface HttpResponse {
  readonly status: number;
  readonly body: Buffer;
}

// node:http with keep-alive agents rather than fetch: about half the client CPU per log-batch,
// which matters when a training process and the server share two cores.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
const insecureHttpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false });

/** One HTTP exchange, buffered, failing with a coded error (ECONNREFUSED, ETIMEDOUT, ...). */
function exchange(req: HttpRequest, timeoutMs: number, authorization: string | undefined, insecureTls: boolean): Promise<HttpResponse> {
  const url = new URL(req.url);
  const https = url.protocol === 'https:';
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  const headers: Record<string, string | number> = {};
  if (req.contentType) headers['Content-Type'] = req.contentType;
  if (authorization) headers['Authorization'] = authorization;
  if (body) headers['Content-Length'] = body.length;
  return new Promise((resolve, reject) => {
    const r = (https ? httpsRequest : httpRequest)(
      { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers, agent: https ? (insecureTls ? insecureHttpsAgent : httpsAgent) : httpAgent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    r.setTimeout(timeoutMs, () => r.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    r.on('error', reject);
    r.end(body);
  });
}

/**
 * Tells an answer that means "no such thing" although it is not a 4xx: MLflow 2.11 answers a
 * missing proxied artifact with 500 INTERNAL_ERROR (the store's file or S3 error in the message).
 */
export type MissingAnswer = (status: number, errorCode: string | undefined, message: string) => boolean;

/** A 500 whose message is a file store's or S3's "not found" (never retried: it will not appear). */
export const missingArtifactAnswer: MissingAnswer = (status, _code, message) =>
  status === 404 || (status === 500 && /No such file or directory|NoSuchKey|Not Found|\(404\)|does not exist/i.test(message));

/**
 * Sends a request with retries and exponential backoff on connection errors and 5xx (never on
 * 4xx, which become TrackingError with MLflow's error_code and message). Returns the response.
 * An answer that `missing` recognises is a TrackingError RESOURCE_DOES_NOT_EXIST (404) at once.
 */
export async function sendWithRetries(req: HttpRequest, opts: HttpOptions, missing?: MissingAnswer): Promise<HttpResponse> {
  const retries = opts.retries ?? 5;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const backoff = opts.backoffMs ?? 200;
  let maybeDelivered = false;
  // An explicit token (a dojo's own servers) wins; otherwise MLflow's variables, read when no client did.
  const auth = opts.auth ?? trackingAuthFromEnv();
  const authorization = opts.token ? `Bearer ${opts.token}` : auth.authorization;
  for (let attempt = 0; ; attempt++) {
    let failure: TrackingUnavailableError;
    try {
      const res = await exchange(req, timeoutMs, authorization, auth.insecureTls === true);
      if (res.status < 400) return res;
      const text = res.body.toString('utf8');
      let code: string | undefined;
      let message = text.slice(0, 500);
      try {
        const j = JSON.parse(text) as { error_code?: unknown; message?: unknown };
        if (typeof j.error_code === 'string') code = j.error_code;
        if (typeof j.message === 'string') message = j.message;
      } catch {
        // Not JSON (a 404 page, a proxy error): keep the text.
      }
      if (missing?.(res.status, code, message)) {
        throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `RESOURCE_DOES_NOT_EXIST: ${req.method} ${new URL(req.url).pathname}: not found (${res.status})`, 404);
      }
      if (res.status === 401 || res.status === 403) {
        // Say which credentials were sent, never their values.
        const sent = authorization ? (authorization.startsWith('Bearer') ? 'MLFLOW_TRACKING_TOKEN' : 'MLFLOW_TRACKING_USERNAME/PASSWORD') : 'no credentials';
        const errorCode = code ?? 'PERMISSION_DENIED';
        throw new TrackingError(errorCode, `${errorCode}: ${res.status} from ${req.method} ${new URL(req.url).pathname}: the tracking server refused ${sent}; set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD`, res.status);
      }
      if (res.status < 500) {
        const errorCode = code ?? (res.status === 404 ? 'ENDPOINT_NOT_FOUND' : 'BAD_REQUEST');
        throw new TrackingError(errorCode, `${errorCode}: ${message.trim()} (${res.status} from ${req.method} ${new URL(req.url).pathname})`, res.status);
      }
      maybeDelivered = true;
      failure = new TrackingUnavailableError(`${req.method} ${req.url}: ${res.status} ${code ?? ''} ${message}`.replace(/\s+/g, ' ').trim(), true, res.status);
    } catch (e) {
      if (e instanceof TrackingError) throw e;
      const code = errorCodeOf(e) ?? (e instanceof Error ? e.name : 'unknown');
      // Only a refused connection proves the request never reached the server.
      if (code !== 'ECONNREFUSED') maybeDelivered = true;
      failure = new TrackingUnavailableError(
        `${req.method} ${req.url}: tracking server unreachable (${code}); is it running? check DOJO_TRACKING_URI`,
        maybeDelivered,
        undefined,
        e,
      );
    }
    if (attempt >= retries) {
      throw new TrackingUnavailableError(failure.message + (retries > 0 ? ` (after ${retries + 1} attempts)` : ''), maybeDelivered, failure.status, failure.cause);
    }
    const delay = Math.min(5000, backoff * 2 ** attempt);
    await sleep(delay / 2 + Math.random() * (delay / 2));
  }
}
