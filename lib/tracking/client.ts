import { DojoError } from '../errors';
import { TrackingError } from './errors';
import { encodeJson, missingArtifactAnswer, sendWithRetries, trackingAuthFromEnv, type HttpOptions } from './http-client';
import { distinctPoints, splitBatch, type Batch } from './batch';
import {
  PARENT_RUN_TAG,
  type DatasetInput,
  type Experiment,
  type FileInfo,
  type Metric,
  type Run,
  type RunInfo,
  type RunStatus,
  type RunTag,
} from './types';

/** Options of TrackingClient. */
export type TrackingClientOptions = HttpOptions;

/** Arguments of createRun. */
export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  tags?: Record<string, string>;
  /** Milliseconds since the epoch. @default now */
  startTime?: number;
  /** Nests the run under this one (tag mlflow.parentRunId). */
  parentRunId?: string;
  userId?: string;
}

/** Arguments of searchRuns. */
export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  /** @default 1000 (MLflow's default) */
  maxResults?: number;
  pageToken?: string;
  /** @default 'ACTIVE_ONLY' */
  runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
}

/** Arguments of searchExperiments. */
export interface SearchExperimentsOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Parses metric values sent as "NaN"/"Infinity" strings (and int64 fields sent as strings) back to numbers. */
function fixMetric(m: Metric): Metric {
  return { key: m.key, value: toNumber(m.value), timestamp: toNumber(m.timestamp), step: toNumber(m.step ?? 0) };
}

function fixRun(r: Run): Run {
  if (r.data?.metrics) r.data.metrics = r.data.metrics.map(fixMetric);
  if (!r.data) r.data = {};
  return r;
}

function tagList(tags: Record<string, string> | undefined): RunTag[] {
  return Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));
}

/**
 * A typed client of the MLflow REST API 2.0 (any MLflow server, or the embedded one). Connection
 * errors and 5xx are retried with backoff; 4xx answers throw TrackingError carrying MLflow's
 * error_code. Note that a retried write whose first answer was lost may be applied twice, as with
 * MLflow's own clients; MetricLogger avoids that for metrics.
 */
export class TrackingClient {
  /** Base URL without a trailing slash. */
  readonly baseUrl: string;
  /** The options in use; `auth` defaults to MLflow's auth variables in the environment. */
  readonly opts: TrackingClientOptions;

  constructor(baseUrl: string, opts: TrackingClientOptions = {}) {
    this.opts = { ...opts, auth: opts.auth ?? trackingAuthFromEnv() };
    if (!/^https?:\/\//.test(baseUrl)) {
      throw new DojoError('USAGE', `tracking URI '${baseUrl}' must start with http:// or https:// (set DOJO_TRACKING_URI)`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async get<T>(endpoint: string, query: Record<string, string | undefined>): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.append(k, v);
    const res = await sendWithRetries({ method: 'GET', url: `${this.baseUrl}/api/2.0/mlflow/${endpoint}?${qs}` }, this.opts);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  private async post<T>(endpoint: string, body: object, encoded?: string): Promise<T> {
    const res = await sendWithRetries(
      { method: 'POST', url: `${this.baseUrl}/api/2.0/mlflow/${endpoint}`, body: encoded ?? encodeJson(body), contentType: 'application/json' },
      this.opts,
    );
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  /** True when /health answers OK. */
  async health(): Promise<boolean> {
    try {
      const res = await sendWithRetries({ method: 'GET', url: `${this.baseUrl}/health` }, { ...this.opts, retries: 0 });
      return res.body.toString('utf8').trim() === 'OK';
    } catch {
      return false;
    }
  }

  /** Creates an experiment and returns its id; 400 RESOURCE_ALREADY_EXISTS if the name is taken. */
  async createExperiment(name: string, tags?: Record<string, string>): Promise<string> {
    const r = await this.post<{ experiment_id: string }>('experiments/create', { name, tags: tagList(tags) });
    return String(r.experiment_id);
  }

  /** Gets an experiment by id (404 → TrackingError RESOURCE_DOES_NOT_EXIST). */
  async getExperiment(id: string): Promise<Experiment> {
    return (await this.get<{ experiment: Experiment }>('experiments/get', { experiment_id: id })).experiment;
  }

  /** Gets an experiment by name, or undefined when there is none. */
  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      return (await this.get<{ experiment: Experiment }>('experiments/get-by-name', { experiment_name: name })).experiment;
    } catch (e) {
      if (e instanceof TrackingError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    }
  }

  /** The id of the experiment with this name, creating it if needed (safe against concurrent creators). */
  async getOrCreateExperiment(name: string): Promise<string> {
    for (let i = 0; i < 3; i++) {
      const found = await this.getExperimentByName(name);
      if (found) {
        if (found.lifecycle_stage === 'deleted') {
          throw new DojoError('CONFLICT', `experiment '${name}' (id ${found.experiment_id}) is deleted; restore it or use another name`);
        }
        return found.experiment_id;
      }
      try {
        return await this.createExperiment(name);
      } catch (e) {
        if (!(e instanceof TrackingError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
      }
    }
    throw new DojoError('CONFLICT', `experiment '${name}': could not get or create it`);
  }

  /** experiments/search (one page; 1000 experiments unless maxResults says otherwise). */
  async searchExperiments(o: SearchExperimentsOptions = {}): Promise<{ experiments: Experiment[]; nextPageToken?: string }> {
    const r = await this.post<{ experiments?: Experiment[]; next_page_token?: string }>('experiments/search', {
      filter: o.filter,
      order_by: o.orderBy,
      // MLflow 2.11 reads a missing max_results as 0 and refuses it (400), whatever its docs say.
      max_results: o.maxResults ?? 1000,
      page_token: o.pageToken,
      view_type: o.viewType,
    });
    return r.next_page_token ? { experiments: r.experiments ?? [], nextPageToken: r.next_page_token } : { experiments: r.experiments ?? [] };
  }

  /** Renames an experiment. */
  async renameExperiment(id: string, newName: string): Promise<void> {
    await this.post('experiments/update', { experiment_id: id, new_name: newName });
  }

  /** Soft-deletes an experiment. */
  async deleteExperiment(id: string): Promise<void> {
    await this.post('experiments/delete', { experiment_id: id });
  }

  /** Restores a deleted experiment. */
  async restoreExperiment(id: string): Promise<void> {
    await this.post('experiments/restore', { experiment_id: id });
  }

  /** Sets an experiment tag. */
  async setExperimentTag(id: string, key: string, value: string): Promise<void> {
    await this.post('experiments/set-experiment-tag', { experiment_id: id, key, value });
  }

  /** Creates a run (RUNNING); parentRunId nests it with the tag mlflow.parentRunId. */
  async createRun(o: CreateRunOptions): Promise<Run> {
    const tags = { ...(o.tags ?? {}) };
    if (o.parentRunId) tags[PARENT_RUN_TAG] = o.parentRunId;
    const r = await this.post<{ run: Run }>('runs/create', {
      experiment_id: o.experimentId,
      run_name: o.runName,
      start_time: o.startTime ?? Date.now(),
      user_id: o.userId,
      tags: tagList(tags),
    });
    return fixRun(r.run);
  }

  /** Gets a run with its params, tags and latest metrics. */
  async getRun(runId: string): Promise<Run> {
    return fixRun((await this.get<{ run: Run }>('runs/get', { run_id: runId })).run);
  }

  /** Updates status, end time or name. */
  async updateRun(runId: string, u: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const r = await this.post<{ run_info: RunInfo }>('runs/update', { run_id: runId, run_uuid: runId, status: u.status, end_time: u.endTime, run_name: u.runName });
    return r.run_info;
  }

  /** Soft-deletes a run. */
  async deleteRun(runId: string): Promise<void> {
    await this.post('runs/delete', { run_id: runId });
  }

  /** Restores a deleted run. */
  async restoreRun(runId: string): Promise<void> {
    await this.post('runs/restore', { run_id: runId });
  }

  /** runs/search (one page). */
  async searchRuns(o: SearchRunsOptions): Promise<{ runs: Run[]; nextPageToken?: string }> {
    const r = await this.post<{ runs?: Run[]; next_page_token?: string }>('runs/search', {
      experiment_ids: o.experimentIds,
      filter: o.filter,
      order_by: o.orderBy,
      max_results: o.maxResults,
      page_token: o.pageToken,
      run_view_type: o.runViewType,
    });
    const runs = (r.runs ?? []).map(fixRun);
    return r.next_page_token ? { runs, nextPageToken: r.next_page_token } : { runs };
  }

  /** Every run matching the search, following page tokens. */
  async searchAllRuns(o: Omit<SearchRunsOptions, 'pageToken'>): Promise<Run[]> {
    const all: Run[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.searchRuns({ ...o, pageToken });
      all.push(...page.runs);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return all;
  }

  /** Logs one metric point. */
  async logMetric(runId: string, key: string, value: number, step = 0, timestamp = Date.now()): Promise<void> {
    await this.post('runs/log-metric', { run_id: runId, run_uuid: runId, key, value, step, timestamp });
  }

  /** Logs a param (immutable: a different value later is a 400). */
  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.post('runs/log-parameter', { run_id: runId, run_uuid: runId, key, value });
  }

  /** Sets a run tag. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.post('runs/set-tag', { run_id: runId, run_uuid: runId, key, value });
  }

  /** Deletes a run tag (404 when it does not exist). */
  async deleteTag(runId: string, key: string): Promise<void> {
    await this.post('runs/delete-tag', { run_id: runId, key });
  }

  /** Logs metrics, params and tags, split into as many log-batch calls as MLflow's limits require. */
  async logBatch(runId: string, batch: Batch): Promise<void> {
    for (const part of splitBatch(batch)) {
      // The hot path: spell non-finite values here so that plain JSON.stringify (no replacer) will do.
      const metrics = distinctPoints(part.metrics).map((m) => ({ key: m.key, value: Number.isFinite(m.value) ? m.value : String(m.value), timestamp: m.timestamp, step: m.step }));
      const body = { run_id: runId, metrics, params: part.params, tags: part.tags };
      await this.post('runs/log-batch', body, JSON.stringify(body));
    }
  }

  /**
   * One page of a metric's history (metrics/get-history with max_results and page_token).
   * Without maxResults the server answers the whole history; `nextPageToken` is absent on the last page.
   */
  async getMetricHistoryPage(runId: string, key: string, o: { maxResults?: number; pageToken?: string } = {}): Promise<{ metrics: Metric[]; nextPageToken?: string }> {
    const r = await this.get<{ metrics?: Metric[]; next_page_token?: string }>('metrics/get-history', {
      run_id: runId,
      run_uuid: runId,
      metric_key: key,
      max_results: o.maxResults === undefined ? undefined : String(o.maxResults),
      page_token: o.pageToken,
    });
    const metrics = (r.metrics ?? []).map(fixMetric);
    return r.next_page_token ? { metrics, nextPageToken: r.next_page_token } : { metrics };
  }

  /**
   * Every point of one metric of a run, following page tokens. `pageSize` bounds each answer; by
   * default the server is asked for the whole history at once (one scan of the metric's points),
   * and any page tokens it still answers are followed.
   */
  async getMetricHistory(runId: string, key: string, o: { pageSize?: number } = {}): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.getMetricHistoryPage(runId, key, { maxResults: o.pageSize, pageToken });
      out.push(...page.metrics);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /**
   * Records datasets a run used (runs/log-inputs, MLflow 2.4+; `mlflow.log_input`), e.g.
   * `{tags: [{key: DATASET_CONTEXT_TAG, value: 'training'}], dataset: {name, digest, source_type, source}}`.
   * A dataset already linked to the run is left as it is.
   */
  async logInputs(runId: string, datasets: readonly DatasetInput[]): Promise<void> {
    await this.post('runs/log-inputs', { run_id: runId, datasets });
  }

  /** The proxied-artifact URL of a file of a run (its artifact_uri must be mlflow-artifacts:/...). */
  artifactUrl(run: Run | RunInfo, path: string): string {
    const info = 'info' in run ? run.info : run;
    const clean = path.replace(/^\/+/, '');
    if (clean.split('/').some((s) => s === '..' || s === '.')) throw new DojoError('USAGE', `artifact path '${path}' must not contain '.' or '..' segments`);
    const url = this.proxiedUrl(`${info.artifact_uri.replace(/\/+$/, '')}/${clean}`);
    if (!url) {
      throw new DojoError('USAGE', `run ${info.run_id}: artifact_uri '${info.artifact_uri}' is not proxied by the tracking server; start MLflow with --serve-artifacts`);
    }
    return url;
  }

  /**
   * The URL of an `mlflow-artifacts:/...` URI on this server's proxied-artifact route, or undefined
   * for any other URI (MLflow stores such URIs as registered models' sources).
   */
  proxiedUrl(uri: string): string | undefined {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri);
    if (!m) return undefined;
    const rel = m[1]!.replace(/\/+$/, '');
    if (rel.split('/').some((s) => s === '..' || s === '.')) throw new DojoError('USAGE', `artifact URI '${uri}' must not contain '.' or '..' segments`);
    return `${this.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${rel.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Uploads one file as an artifact of the run. */
  async uploadArtifact(run: Run | RunInfo, path: string, body: Uint8Array | string): Promise<void> {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    await sendWithRetries({ method: 'PUT', url: this.artifactUrl(run, path), body: bytes, contentType: 'application/octet-stream' }, this.opts);
  }

  /**
   * Downloads one artifact file. A missing file is one quick DojoError NOT_FOUND naming the run and
   * path: a 404, or the 500 MLflow answers for it, is not retried, and the server's message (which
   * names its disk paths) is not shown.
   */
  async downloadArtifact(run: Run | RunInfo, path: string): Promise<Uint8Array> {
    const info = 'info' in run ? run.info : run;
    return this.download(this.artifactUrl(info, path), `run ${info.run_id} has no artifact '${path.replace(/^\/+/, '')}'`);
  }

  /** Downloads the file at an `mlflow-artifacts:/...` URI (e.g. a registered model's source + '/model.dojo'). */
  async downloadArtifactUri(uri: string): Promise<Uint8Array> {
    const url = this.proxiedUrl(uri);
    if (!url) throw new DojoError('USAGE', `'${uri}' is not an mlflow-artifacts:/ URI`);
    return this.download(url, `no artifact at ${uri} on ${this.baseUrl}`);
  }

  private async download(url: string, missing: string): Promise<Uint8Array> {
    try {
      const res = await sendWithRetries({ method: 'GET', url }, this.opts, missingArtifactAnswer);
      return new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
    } catch (e) {
      if (e instanceof TrackingError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') throw new DojoError('NOT_FOUND', missing, { cause: e });
      throw e;
    }
  }

  /** Lists a run's artifacts under path (paths relative to the run's artifact root). */
  async listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    const r = await this.get<{ files?: FileInfo[] }>('artifacts/list', { run_id: runId, path });
    return r.files ?? [];
  }
}
