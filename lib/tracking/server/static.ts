import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join } from 'node:path';
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
 * A script of the UI (`app.js`, the page's code; `boot.js`, its inline boot script) as the build
 * wrote it, or, running from source (`main.ts`, `boot.ts` beside index.html), bundled once with
 * esbuild on first use, so editing the UI needs no build step.
 */
async function bundleFromSource(uiDir: string, entryName: string): Promise<Buffer | undefined> {
  const entry = join(uiDir, entryName);
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

/** The source entry each bundled script is built from when running from source. */
const SOURCE_ENTRIES: Record<string, string> = { 'app.js': 'main.ts', 'boot.js': 'boot.ts' };

/** A UI file as answered. */
interface Served {
  readonly body: Buffer;
  readonly type: string;
  /** Headers beside (or instead of) the usual ones. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The page as served: index.html with its boot script inline and app.js at a content-hashed URL. */
interface Page {
  readonly body: Buffer;
  readonly csp: string;
  /** `/static/app.<hash>.js`: cached by the browser for good (the next build has another hash). */
  readonly appPath: string;
}

const hashOf = (body: Buffer, length: number) => createHash('sha256').update(body).digest('base64url').slice(0, length);

/**
 * Serves the web UI: `/` (index.html with its boot script inline, its hash allowed by the CSP, and
 * the script at `/static/app.<hash>.js`, immutable), `/static/<file>` from the UI folder and
 * `/static/vendor/<file>` from uPlot.
 */
export class StaticFiles {
  private readonly uiDir = findUiDir();
  private readonly vendorDir = findUplotDir(this.uiDir);
  private readonly cache = new Map<string, Promise<Buffer | undefined>>();
  private page?: Promise<Page | undefined>;

  /** Answers a GET for `/` or `/static/...` (304 when the browser has it); returns false when the path is not a UI file. */
  serve(path: string, res: ServerResponse, req?: IncomingMessage): boolean {
    const ifNoneMatch = req?.headers['if-none-match'];
    if (path === '/' || path === '/index.html') {
      void this.send(res, ifNoneMatch, async () => {
        const page = await this.loadPage();
        return page && { body: page.body, type: TYPES['.html']!, headers: { 'Content-Security-Policy': page.csp } };
      });
      return true;
    }
    const hashed = /^\/static\/app\.([\w-]+)\.js$/.exec(path);
    if (hashed) {
      void this.send(res, ifNoneMatch, async (): Promise<Served | undefined> => {
        const [page, body] = await Promise.all([this.loadPage(), this.loadFile('app.js')]);
        if (!body) return undefined;
        // Another hash (a page of an earlier build): today's script, checked again next time.
        const immutable = page?.appPath === path;
        return { body, type: TYPES['.js']!, headers: immutable ? { 'Cache-Control': 'public, max-age=31536000, immutable' } : {} };
      });
      return true;
    }
    let file: string | undefined;
    if (path === '/static/vendor/uPlot.min.css') file = this.vendorDir && join(this.vendorDir, 'uPlot.min.css');
    else if (/^\/static\/[\w-]+\.(js|css)$/.test(path)) file = this.uiDir && join(this.uiDir, path.slice('/static/'.length));
    else return false;
    void this.send(res, ifNoneMatch, async () => {
      const body = file ? await this.load(file) : undefined;
      return body && file ? { body, type: TYPES[extname(file)] ?? 'application/octet-stream', headers: {} } : undefined;
    });
    return true;
  }

  private loadFile(name: string): Promise<Buffer | undefined> {
    return this.uiDir ? this.load(join(this.uiDir, name)) : Promise.resolve(undefined);
  }

  private load(file: string): Promise<Buffer | undefined> {
    let body = this.cache.get(file);
    if (!body) {
      const entry = SOURCE_ENTRIES[basename(file)];
      body = existsSync(file) ? Promise.resolve(readFileSync(file)) : entry ? bundleFromSource(dirname(file), entry) : Promise.resolve(undefined);
      // A failed source build is retried on the next request (the source may be fixed meanwhile).
      body.then((b) => b ?? this.cache.delete(file), () => this.cache.delete(file));
      this.cache.set(file, body);
    }
    return body;
  }

  /**
   * The page: the boot script goes in place of `<!--boot-->` (first in <head>, so it runs before
   * the stylesheets load) and is allowed by its hash; without a boot script the page works as
   * before, its requests starting when app.js has run.
   */
  private loadPage(): Promise<Page | undefined> {
    if (!this.page) {
      this.page = (async (): Promise<Page | undefined> => {
        const [html, app, boot] = await Promise.all([this.loadFile('index.html'), this.loadFile('app.js'), this.loadFile('boot.js').catch(() => undefined)]);
        if (!html || !app) return undefined;
        const appPath = `/static/app.${hashOf(app, 16)}.js`;
        let text = html.toString('utf8').replace('<script src="/static/app.js"></script>', `<script src="${appPath}"></script>`);
        let csp = PAGE_CSP;
        const inline = boot?.toString('utf8').trim();
        // Inline only what cannot end the script element early.
        if (inline && !/<\/script|<!--/i.test(inline)) {
          text = text.replace('<!--boot-->', `<script>${inline}</script>`);
          csp += `; script-src 'self' 'sha256-${createHash('sha256').update(inline).digest('base64')}'`;
        }
        return { body: Buffer.from(text), csp, appPath };
      })();
      // Built again on the next request when it failed (as the scripts are).
      this.page.then((p) => p ?? (this.page = undefined), () => (this.page = undefined));
    }
    return this.page;
  }

  private async send(res: ServerResponse, ifNoneMatch: string | undefined, what: () => Promise<Served | undefined>): Promise<void> {
    let found: Served | undefined;
    try {
      found = await what();
    } catch (e) {
      sendText(res, 500, `The tracking UI could not be built from source: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    if (!found) {
      sendText(res, 404, 'Not Found: the tracking UI files are missing from this installation (run npm run build).');
      return;
    }
    // Revalidated on every load (no-cache) unless told otherwise, but sent again only when it
    // changed: the browser keeps the script compiled in its cache.
    const etag = `"${hashOf(found.body, 27)}"`;
    const headers: Record<string, string | number> = {
      'Content-Type': found.type,
      'Cache-Control': 'no-cache',
      ETag: etag,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...found.headers,
    };
    if (ifNoneMatch === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': found.body.length });
    res.end(found.body);
  }
}
