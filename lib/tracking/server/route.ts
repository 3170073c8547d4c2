import type { TrackingStore } from '../store';
import type { ArtifactRepository } from './artifact-repo';
import type { Args } from './parse';

/** What a route handler may use. */
export interface ServerDeps {
  readonly store: TrackingStore;
  readonly artifacts: ArtifactRepository;
}

/** An HTTP method an API route may accept. */
export type ApiMethod = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/**
 * One MLflow JSON endpoint, served under both /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/. The
 * handler gets the JSON body (POST, PATCH), the query (GET) or either (DELETE), and returns the
 * answer object; an empty object is MLflow's answer to every write. A route accepting several
 * methods tells them apart by `method` (MLflow gives one path several meanings, e.g.
 * registered-models/alias). Throw a TrackingError for MLflow's error answers.
 */
export interface ApiRoute {
  /** Path after the prefix, e.g. "runs/log-batch". */
  readonly path: string;
  /** Accepted methods; any other is a 405. */
  readonly methods: readonly ApiMethod[];
  handle(args: Args, deps: ServerDeps, method: ApiMethod): object;
}

/** Drops absent values so that the answer omits empty things, as MLflow does. */
export function compact(o: Record<string, unknown>): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}
