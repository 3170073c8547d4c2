import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidParam } from '../errors';
import { compact } from './route';
import type { ArtifactRepository } from './artifact-repo';
import { sendJson, sendText } from './http';

/** URL prefixes of MLflow's proxied artifact API. */
export const ARTIFACT_PREFIXES = ['/api/2.0/mlflow-artifacts/artifacts', '/ajax-api/2.0/mlflow-artifacts/artifacts'];

const TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
};

/**
 * Handles `PUT|GET|DELETE <prefix>/<path>` (upload, download, delete one file) and
 * `GET <prefix>?path=<dir>` (list). `rest` is the URL path after the prefix.
 */
export async function handleProxiedArtifact(req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams, repo: ArtifactRepository): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(rest.replace(/^\/+/, ''));
  } catch {
    throw invalidParam(`Invalid artifact path '${rest}': bad percent-encoding.`);
  }
  const method = req.method ?? 'GET';
  if (rel === '') {
    if (method !== 'GET') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET' });
    const dir = (query.get('path') ?? '').replace(/^\/+|\/+$/g, '');
    return sendJson(res, 200, compact({ files: repo.list(dir) }));
  }
  if (method === 'PUT') {
    await repo.put(rel, req);
    return sendJson(res, 200, {});
  }
  if (method === 'DELETE') {
    repo.delete(rel);
    return sendJson(res, 200, {});
  }
  if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, PUT, DELETE' });
  const f = repo.file(rel);
  res.writeHead(200, {
    'Content-Type': TYPES[extname(f.path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': f.size,
    'X-Content-Type-Options': 'nosniff',
    // Report artifacts (HTML) are previewed inline by the UI; sandbox them so they run no script with our origin.
    'Content-Security-Policy': 'sandbox allow-scripts',
  });
  if (method === 'HEAD') return void res.end();
  createReadStream(f.path).pipe(res);
}
