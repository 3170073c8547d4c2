import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
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
 * The UI page may talk to this server only, show artifacts of this server (HTML ones in sandboxed
 * frames) and not be framed by another site; inline styles are allowed for chart layout.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The esbuild options of the UI bundle; scripts/build.mjs builds dist/tracking-ui/app.js with the same. */
export const UI_BUNDLE_OPTIONS = { bundle: true, format: 'iife', target: 'es2022', minify: true, legalComments: 'none', logLevel: 'silent' } as const;

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
  if (uiDir && existsSync(join(uiDir, 'vendor', 'uPlot.min.css'))) return join(uiDir, 'vendor');
  try {
    return dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'));
  } catch {
    return undefined;
  }
}

/**
 * The UI's script: `app.js` as the build wrote it, or, running from source (`main.ts` beside
 * index.html), bundled once with esbuild on first use, so editing the UI needs no build step.
 */
async function bundleFromSource(uiDir: string): Promise<Buffer | undefined> {
  const entry = join(uiDir, 'main.ts');
  if (!existsSync(entry)) return undefined;
  // A variable specifier keeps esbuild (a dev dependency) out of the CLI bundle, which has app.js.
  const specifier = 'esbuild';
  let esbuild: typeof import('esbuild');
  try {
    esbuild = (await import(specifier)) as typeof import('esbuild');
  } catch {
    return undefined;
  }
  const out = await esbuild.build({ ...UI_BUNDLE_OPTIONS, entryPoints: [entry], write: false });
  return Buffer.from(out.outputFiles[0]!.contents);
}

/** Serves the web UI: `/` and `/static/<file>` from the UI folder, `/static/vendor/<file>` from uPlot. */
export class StaticFiles {
  private readonly uiDir = findUiDir();
  private readonly vendorDir = findUplotDir(this.uiDir);
  private readonly cache = new Map<string, Promise<Buffer | undefined>>();

  /** Answers a GET for `/` or `/static/...` (304 when the browser has it); returns false when the path is not a UI file. */
  serve(path: string, res: ServerResponse, req?: IncomingMessage): boolean {
    let file: string | undefined;
    if (path === '/' || path === '/index.html') file = this.uiDir && join(this.uiDir, 'index.html');
    else if (path === '/static/vendor/uPlot.min.css') file = this.vendorDir && join(this.vendorDir, 'uPlot.min.css');
    else if (/^\/static\/[\w-]+\.(js|css)$/.test(path)) file = this.uiDir && join(this.uiDir, path.slice('/static/'.length));
    else return false;
    void this.send(file, res, req?.headers['if-none-match']);
    return true;
  }

  private load(file: string): Promise<Buffer | undefined> {
    let body = this.cache.get(file);
    if (!body) {
      body = existsSync(file) ? Promise.resolve(readFileSync(file)) : file.endsWith('app.js') ? bundleFromSource(dirname(file)) : Promise.resolve(undefined);
      // A failed source build is retried on the next request (the source may be fixed meanwhile).
      body.then((b) => b ?? this.cache.delete(file), () => this.cache.delete(file));
      this.cache.set(file, body);
    }
    return body;
  }

  private async send(file: string | undefined, res: ServerResponse, ifNoneMatch: string | undefined): Promise<void> {
    let body: Buffer | undefined;
    try {
      body = file ? await this.load(file) : undefined;
    } catch (e) {
      sendText(res, 500, `The tracking UI could not be built from source: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    if (!file || !body) {
      sendText(res, 404, 'Not Found: the tracking UI files are missing from this installation (run npm run build).');
      return;
    }
    // Revalidated on every load (no-cache) but sent again only when it changed: the browser keeps
    // the script compiled in its cache.
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      ETag: etag,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    if (file.endsWith('.html')) headers['Content-Security-Policy'] = PAGE_CSP;
    if (ifNoneMatch === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': body.length });
    res.end(body);
  }
}
