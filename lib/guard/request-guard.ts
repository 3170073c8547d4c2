// What makes dojo's local HTTP servers (tracking, HPO) safe to run while the user browses the web:
// a page in the browser can send requests to 127.0.0.1, so every request is checked for
// - a Host that is this server's address or a localhost name (a DNS-rebinding page sends its own name),
// - no foreign Origin (a cross-origin page), and POST bodies declared as JSON (no "simple" requests),
// - the dojo's bearer token, when the server has one (header, or the UI's HttpOnly cookie).
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The cookie that carries the token for the tracking web UI. */
export const TOKEN_COOKIE = 'dojo_token';

/** The parts of a request the guard reads (node:http's IncomingMessage has them). */
export interface GuardedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How a server is guarded. */
export interface GuardOptions {
  /** The address the server is bound to (127.0.0.1, 0.0.0.0, ...). */
  readonly host: string;
  /** The bearer token every request must carry. @default - none required */
  readonly token?: string;
  /** Host names accepted besides IP literals of the bound address and localhost names. @default - none */
  readonly allowedHosts?: readonly string[];
  /** Accept the token from the UI cookie too. @default false */
  readonly cookie?: boolean;
  /** Requests answered without the token (e.g. GET /health). @default - none */
  readonly isPublic?: (method: string, path: string) => boolean;
}

/** Why a request is refused: the HTTP status and one line saying what to do. */
export interface GuardRefusal {
  readonly status: 400 | 401 | 403 | 415;
  readonly message: string;
}

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const WILDCARD = new Set(['0.0.0.0', '::', '']);

function header(req: GuardedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The host name of a Host header value (`[::1]:5000` → `::1`, `Example.COM:80` → `example.com`). */
export function hostName(value: string): string {
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) return v.slice(1, v.indexOf(']') < 0 ? undefined : v.indexOf(']'));
  const i = v.lastIndexOf(':');
  return i >= 0 && v.indexOf(':') === i ? v.slice(0, i) : v;
}

/**
 * An IPv4-mapped IPv6 literal as the IPv4 address it is (`::ffff:7f00:2` and `::ffff:127.0.0.2` →
 * `127.0.0.2`): the same address, as a client on an IPv6 socket or a URL parser may spell it.
 */
function unmapped(name: string): string {
  if (!name.startsWith('::ffff:') || isIP(name) !== 6) return name;
  const rest = name.slice(7);
  if (isIP(rest) === 4) return rest;
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest);
  if (!m) return name;
  const [hi, lo] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True when a Host header names this server: a localhost name, the bound address, any IP on a wildcard bind, or an allowed name. */
export function hostAllowed(value: string, opts: Pick<GuardOptions, 'host' | 'allowedHosts'>): boolean {
  const name = unmapped(hostName(value));
  if (name === '') return false;
  if (LOCAL_NAMES.has(name) || name.endsWith('.localhost')) return true;
  if (name === unmapped(hostName(opts.host))) return true;
  // Bound to every interface (a manager reached by its private IP): an IP literal cannot be rebound.
  if (WILDCARD.has(opts.host) && isIP(name) !== 0) return true;
  return (opts.allowedHosts ?? []).some((h) => h.toLowerCase() === name);
}

/** The token a request carries: `Authorization: Bearer T`, or the UI cookie when allowed. */
export function requestToken(req: GuardedRequest, cookie: boolean): string | undefined {
  const auth = header(req, 'authorization');
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (m) return m[1];
  if (!cookie) return undefined;
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return v.join('=');
  }
  return undefined;
}

/** Compares tokens in constant time. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks one request; undefined when it may proceed, else the refusal to send. */
export function guardRequest(req: GuardedRequest, opts: GuardOptions): GuardRefusal | undefined {
  const method = (req.method ?? 'GET').toUpperCase();
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const host = header(req, 'host');
  if (!host) return { status: 400, message: 'a Host header is required' };
  if (!hostAllowed(host, opts)) {
    return { status: 403, message: `Host "${escapeControl(host)}" is not this server; use its address (e.g. http://127.0.0.1:<port>) or localhost` };
  }
  // Browsers send Origin on cross-origin requests and on every POST: only this server's own origin passes.
  const origin = header(req, 'origin');
  if (origin !== undefined && origin.toLowerCase() !== `http://${host.toLowerCase()}` && origin.toLowerCase() !== `https://${host.toLowerCase()}`) {
    return { status: 403, message: `cross-origin request from ${escapeControl(origin)} refused` };
  }
  if (method === 'POST' || method === 'PATCH') {
    const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return { status: 415, message: `${method} bodies must be JSON: Content-Type must be 'application/json', got '${escapeControl(type) || '(none)'}'` };
    }
  }
  if (opts.token !== undefined && !opts.isPublic?.(method, path) && !tokenMatches(requestToken(req, opts.cookie ?? false), opts.token)) {
    return { status: 401, message: "this dojo's servers need its token: send 'Authorization: Bearer <token>' (the token is in $DOJO_HOME/<dojo>/token; MLflow clients: MLFLOW_TRACKING_TOKEN)" };
  }
  return undefined;
}

/** Extra Host names from DOJO_ALLOWED_HOSTS (comma-separated), e.g. the DNS name of a tunnel to a manager. */
export function allowedHostsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.DOJO_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '');
}

/** Text with control characters (terminal escapes, newlines) shown as \\xNN, safe to echo anywhere. */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The Set-Cookie value that keeps the token for the web UI (HttpOnly, SameSite=Strict, whole site). */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
