import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { DojoError, isDojoError } from '../../errors';
import { BadRequest, HpoEngine } from '../engine';
import type { StudyObserver } from '../observer';
import { SqliteStore } from '../storage/sqlite';
import { enqueueBody, heartbeatBody, joinBody, parseBody, reportBody, tellBody } from './bodies';
import { Rendezvous } from './rendezvous';
import { allowedHostsFromEnv, guardRequest, type GuardOptions } from '../../guard';

/** Options of `startHpoService`. */
export interface HpoServiceOptions {
  /** The SQLite file holding every study (created if missing). */
  readonly dbFile: string;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** MLflow-compatible tracking server: studies become parent runs, trials child runs. @default - no tracking */
  readonly trackingUri?: string;
  /** A running trial silent for this long is marked failed. @default 300000 */
  readonly heartbeatTimeoutMs?: number;
  /** Default wait of a rendezvous join. @default 60000 */
  readonly rendezvousTimeoutMs?: number;
  /** Where warnings go (tracking failures, expired trials). @default stderr */
  readonly log?: (line: string) => void;
  /** Side effects instead of the tracking observer built from trackingUri (tests). @default - from trackingUri */
  readonly observer?: StudyObserver;
  /** Bearer token every request but GET /health must carry (the dojo's token). @default - none required */
  readonly token?: string;
}

/** A running HPO service. */
export interface HpoServiceHandle {
  /** Base URL, e.g. http://127.0.0.1:5002. */
  readonly url: string;
  readonly port: number;
  /** Stops listening, rejects waiting rendezvous joins and closes the database. */
  close(): Promise<void>;
}

/** Starts the HPO service (HTTP API v1 of DESIGN.md plus rendezvous and reports). */
export async function startHpoService(opts: HpoServiceOptions): Promise<HpoServiceHandle> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  let observer = opts.observer;
  if (!observer && opts.trackingUri) {
    const { TrackingObserver } = await import('../tracking/observer');
    observer = new TrackingObserver(opts.trackingUri, log);
  }
  const store = new SqliteStore(opts.dbFile);
  if (opts.trackingUri && store.countStudies() === 0) {
    // A new or lost database: recover the studies that tracking knows about.
    try {
      const { rebuildFromTracking } = await import('../tracking/rebuild');
      const r = await rebuildFromTracking(opts.trackingUri, store);
      if (r.studies > 0) log(`rebuilt ${r.studies} studies (${r.trials} trials) from tracking at ${opts.trackingUri}`);
      for (const k of r.skipped) log(`could not rebuild study ${k.study} (parent run ${k.runId}) from tracking: ${k.reason}`);
    } catch (e) {
      log(`could not rebuild studies from tracking at ${opts.trackingUri}: ${(e as Error).message}`);
    }
  }
  const engine = new HpoEngine(store, { heartbeatTimeoutMs: opts.heartbeatTimeoutMs, observer, warn: log });
  const rendezvous = new Rendezvous({ timeoutMs: opts.rendezvousTimeoutMs });
  const app = buildApp(engine, rendezvous, { host: opts.host ?? '127.0.0.1', allowedHosts: allowedHostsFromEnv(), ...(opts.token ? { token: opts.token } : {}) });
  const sweepMs = Math.max(50, Math.min(5_000, (opts.heartbeatTimeoutMs ?? 300_000) / 4));
  const timer = setInterval(() => void engine.sweep(), sweepMs);
  timer.unref();
  let address: string;
  try {
    address = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  } catch (e) {
    clearInterval(timer);
    await engine.close();
    throw new DojoError('UNAVAILABLE', `cannot listen on ${opts.host ?? '127.0.0.1'}:${opts.port ?? 0}: ${(e as Error).message}`, { cause: e });
  }
  const port = Number(new URL(address).port);
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    async close() {
      clearInterval(timer);
      rendezvous.close();
      await app.close();
      await engine.idle();
      await engine.close();
    },
  };
}

/** Maps an error to its HTTP answer: bad input is 4xx with a message, only bugs are 500. */
function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof BadRequest) return reply.code(400).send({ error: e.message, path: e.path });
  if (isDojoError(e)) {
    const status = { NOT_FOUND: 404, CONFLICT: 409, LOST: 408, USAGE: 400, UNAVAILABLE: 503 }[e.code as string] ?? 500;
    return reply.code(status).send(status === 400 ? { error: e.message, path: '' } : { error: e.message });
  }
  const err = e as { statusCode?: number; message?: string };
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return reply.code(err.statusCode).send({ error: err.message ?? 'bad request', path: '(body)' });
  }
  return reply.code(500).send({ error: `internal error: ${err.message ?? String(e)}` });
}

/** The routes of API v1 over an engine and a rendezvous table, behind the request guard (Host, Origin, JSON, token). */
export function buildApp(engine: HpoEngine, rendezvous: Rendezvous, guard: GuardOptions = { host: '127.0.0.1' }): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  // Before any body is read: a refused request costs nothing and reaches no route.
  app.addHook('onRequest', async (req, reply) => {
    const refusal = guardRequest(req.raw, { ...guard, isPublic: (m, p) => p === '/health' && (m === 'GET' || m === 'HEAD') });
    if (refusal) {
      if (refusal.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
      return reply.code(refusal.status).send({ error: refusal.message });
    }
  });
  app.get('/health', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new BadRequest('(body)', `not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
  app.setErrorHandler((e, _req, reply) => sendError(reply, e));
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url}` }));

  type P = { Params: { id: string }; Body: unknown };
  const bad = (reply: FastifyReply, r: { error: string; path: string }) => reply.code(400).send({ error: `${r.path}: ${r.error}`, path: r.path });

  app.post<P>('/api/v1/studies', async (req, reply) => {
    const { study, created } = await engine.createStudy(req.body);
    return reply.code(created ? 201 : 200).send(study);
  });
  app.get('/api/v1/studies', async () => engine.listStudies());
  app.get<P>('/api/v1/studies/:id', async (req, reply) => {
    // With its hash as ETag: the tracking server's web UI asks again with it on every view of the
    // study and gets a 304 without the body while nothing changed.
    const text = JSON.stringify(engine.getStudy(req.params.id));
    const etag = `"${createHash('sha1').update(text).digest('base64url')}"`;
    void reply.header('ETag', etag).header('Cache-Control', 'no-cache');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(text);
  });
  app.post<P>('/api/v1/studies/:id/ask', async (req) => engine.ask(req.params.id));
  app.post<P>('/api/v1/studies/:id/enqueue', async (req, reply) => {
    const b = parseBody(enqueueBody, req.body);
    if (!b.ok) return bad(reply, b);
    return engine.enqueue(req.params.id, b.value.params, b.value.skipIfExists ?? false);
  });
  app.post<P>('/api/v1/studies/:id/report', async (req, reply) => {
    const b = parseBody(reportBody, req.body);
    if (!b.ok) return bad(reply, b);
    return engine.report(req.params.id, b.value.number, b.value.step, b.value.value);
  });
  app.post<P>('/api/v1/studies/:id/tell', async (req, reply) => {
    const b = parseBody(tellBody, req.body);
    if (!b.ok) return bad(reply, b);
    if (b.value.ahead) {
      if (b.value.next) return bad(reply, { path: 'next', error: 'not with ahead: the trial is told later' });
      engine.tellAhead(req.params.id, b.value.number, b.value.state, b.value.value);
      return { ok: true };
    }
    if (b.value.next) return { ok: true, next: await engine.tellAndAsk(req.params.id, b.value.number, b.value.state, b.value.value) };
    await engine.tell(req.params.id, b.value.number, b.value.state, b.value.value);
    return { ok: true };
  });
  app.post<P>('/api/v1/studies/:id/heartbeat', async (req, reply) => {
    const b = parseBody(heartbeatBody, req.body);
    if (!b.ok) return bad(reply, b);
    engine.heartbeat(req.params.id, b.value.number);
    return { ok: true };
  });
  app.get<P & { Querystring: { x?: string; y?: string } }>('/api/v1/studies/:id/report', async (req, reply) => {
    const detail = engine.getStudy(req.params.id);
    const { renderReport } = await import('../report/html');
    const html = await renderReport(detail, { contour: contourPair(req.query.x, req.query.y) });
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.post<{ Params: { key: string }; Body: unknown }>('/api/v1/rendezvous/:key/join', async (req, reply) => {
    const b = parseBody(joinBody, req.body);
    if (!b.ok) return bad(reply, b);
    return rendezvous.join(req.params.key, b.value.replicas, b.value.addr, b.value.timeoutMs);
  });
  return app;
}

function contourPair(x: string | undefined, y: string | undefined): [string, string] | undefined {
  return x && y ? [x, y] : undefined;
}
