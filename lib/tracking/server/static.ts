import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { sendText } from './http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Finds the UI folder: `lib/tracking/ui` when running from source, `dist/tracking-ui` (copied by
 * scripts/build.mjs) when running from a bundle, whose chunks live at different depths.
 */
function findUiDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'ui'), join(here, 'tracking-ui'), join(here, '..', 'tracking-ui'), join(here, '..', '..', 'tracking-ui')];
  return candidates.find((c) => existsSync(join(c, 'index.html')));
}

/** uPlot's dist folder: copied next to the UI by the build, else from node_modules. */
function findUplotDir(uiDir: string | undefined): string | undefined {
  if (uiDir && existsSync(join(uiDir, 'vendor', 'uPlot.iife.min.js'))) return join(uiDir, 'vendor');
  try {
    return dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
  } catch {
    return undefined;
  }
}

/** Serves the web UI: `/` and `/static/<file>` from the UI folder, `/static/vendor/<file>` from uPlot. */
export class StaticFiles {
  private readonly uiDir = findUiDir();
  private readonly vendorDir = findUplotDir(this.uiDir);
  private readonly cache = new Map<string, Buffer>();

  /** Answers a GET for `/` or `/static/...`; returns false when the path is not a UI file. */
  serve(path: string, res: ServerResponse): boolean {
    let file: string | undefined;
    if (path === '/' || path === '/index.html') file = this.uiDir && join(this.uiDir, 'index.html');
    else if (/^\/static\/vendor\/uPlot\.(iife\.min\.js|min\.css)$/.test(path)) file = this.vendorDir && join(this.vendorDir, path.slice('/static/vendor/'.length));
    else if (/^\/static\/[\w-]+\.(js|css)$/.test(path)) file = this.uiDir && join(this.uiDir, path.slice('/static/'.length));
    else return false;
    if (!file || !existsSync(file)) {
      sendText(res, 404, 'Not Found: the tracking UI files are missing from this installation (run npm run build).');
      return true;
    }
    let body = this.cache.get(file);
    if (!body) {
      body = readFileSync(file);
      this.cache.set(file, body);
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(body);
    return true;
  }
}
