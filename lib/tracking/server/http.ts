import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidParam, TrackingError } from '../errors';

/** Largest JSON body accepted (a full log-batch is about 100 KB). */
export const MAX_JSON_BODY = 16 * 1024 * 1024;

/** Whether a JSON-like value holds a non-finite number anywhere. */
function hasNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (hasNonFinite(x)) return true;
    return false;
  }
  for (const k in v) if (hasNonFinite((v as Record<string, unknown>)[k])) return true;
  return false;
}

/**
 * JSON with MLflow's spelling of non-finite numbers ("NaN", "Infinity", "-Infinity"). A replacer
 * makes JSON.stringify call back for every value (a page of 200 runs: tens of thousands of calls),
 * so it is used only when a walk over the answer finds such a number.
 */
export function toJson(body: unknown): string {
  if (!hasNonFinite(body)) return JSON.stringify(body);
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = toJson(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends MLflow's error body for an error; anything that is not a TrackingError is a 500 INTERNAL_ERROR. */
export function sendError(res: ServerResponse, e: unknown): void {
  if (e instanceof TrackingError) {
    sendJson(res, e.status, { error_code: e.errorCode, message: e.message });
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  sendJson(res, 500, { error_code: 'INTERNAL_ERROR', message });
}

/** Sends a plain-text answer (404/405 for unknown paths and methods, as Flask does). */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a POST body as a JSON object; a non-JSON content type or a malformed body is a 400. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw invalidParam(`Bad Request. Content-Type must be 'application/json', got '${type || '(none)'}'.`);
  }
  // Plain 'data'/'end' events: cheaper than for-await on the hot log-batch path.
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_JSON_BODY) {
        req.removeAllListeners('data');
        req.resume();
        reject(new TrackingError('BAD_REQUEST', `Request body larger than ${MAX_JSON_BODY} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new TrackingError('BAD_REQUEST', `Malformed JSON in the request body: ${(e as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TrackingError('BAD_REQUEST', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}
