// Every request of the UI goes through request(): when the server starts asking for credentials,
// this is the one place that adds them.
import type { StudyDetail } from '../../../hpo/api';
import type { Series } from '../../store/downsample';
import type { Experiment, FileInfo, Run } from '../../types';

const MLFLOW = '/ajax-api/2.0/mlflow/';
const DOJO = '/dojo-api/v1/';

/** An error answer of the server, with MLflow's error code when it gave one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The one fetch of the UI: same-origin, no caching, MLflow's error body turned into an ApiError. */
export async function request(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok) {
    const text = await res.text();
    let body: { error_code?: string; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = { message: text };
    }
    throw new ApiError((body.error_code ? `${body.error_code}: ` : '') + (body.message || String(res.status)), res.status, body.error_code);
  }
  return res;
}

async function json<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const text = await (await request(path, init)).text();
  return (text ? JSON.parse(text) : {}) as T;
}

function query(args: Record<string, string | number | readonly string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) q.append(k, x);
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A GET of MLflow's API. */
export function mlflowGet<T>(endpoint: string, args: Record<string, string | number | undefined> = {}): Promise<T> {
  return json<T>(MLFLOW + endpoint + query(args));
}

/** A POST of MLflow's API. */
export function mlflowPost<T>(endpoint: string, body: unknown): Promise<T> {
  return json<T>(MLFLOW + endpoint, { method: 'POST', body });
}

/** Every run of a search, following page tokens (at most `limit`). */
export async function searchAllRuns(body: { experiment_ids: string[]; filter?: string; order_by?: string[] }, limit = 10_000): Promise<Run[]> {
  const runs: Run[] = [];
  let token: string | undefined;
  do {
    const page = await mlflowPost<{ runs?: Run[]; next_page_token?: string }>('runs/search', { ...body, max_results: 1000, page_token: token });
    runs.push(...(page.runs ?? []));
    token = page.next_page_token;
  } while (token && runs.length < limit);
  return runs;
}

/** The trial runs of a parent run. */
export function childrenOf(parent: Run): Promise<Run[]> {
  return searchAllRuns({ experiment_ids: [parent.info.experiment_id], filter: `tags.\`mlflow.parentRunId\` = '${parent.info.run_id}'` });
}

/** Every point of a metric's history (following pages). */
export async function metricHistory(runId: string, key: string): Promise<{ step: number; value: number }[]> {
  const points: { step: number; value: number }[] = [];
  let token: string | undefined;
  do {
    const page = await mlflowGet<{ metrics?: { step?: number | string; value: number | string }[]; next_page_token?: string }>('metrics/get-history', { run_id: runId, metric_key: key, page_token: token });
    for (const m of page.metrics ?? []) points.push({ step: Number(m.step ?? 0), value: Number(m.value) });
    token = page.next_page_token;
  } while (token);
  return points;
}

/** One run's thinned series of one key, as `/dojo-api/v1/series` answers them. */
export interface SeriesOfRun {
  readonly run_id: string;
  readonly key: string;
  readonly steps: number[];
  readonly values: number[];
}

/** Adds answered series to `out` (by run id, then key). */
export function addSeries(out: Map<string, Map<string, Series>>, series: readonly SeriesOfRun[]): void {
  for (const s of series) {
    if (!out.has(s.run_id)) out.set(s.run_id, new Map());
    out.get(s.run_id)!.set(s.key, { steps: s.steps, values: s.values });
  }
}

/** Thinned series per run and key (GET /dojo-api/v1/series, 100 runs per request, requests in parallel). */
export async function seriesOf(runIds: readonly string[], keys: readonly string[], maxPoints = 400): Promise<Map<string, Map<string, Series>>> {
  const out = new Map<string, Map<string, Series>>();
  if (runIds.length === 0 || keys.length === 0) return out;
  const chunks: string[][] = [];
  for (let i = 0; i < runIds.length; i += 100) chunks.push(runIds.slice(i, i + 100));
  const answers = await Promise.all(chunks.map((ids) => json<{ series?: SeriesOfRun[] }>(`${DOJO}series${query({ run_ids: ids.join(','), keys: keys.join(','), max_points: maxPoints })}`)));
  for (const a of answers) addSeries(out, a.series ?? []);
  return out;
}

/** What a run's page draws first, in one answer (GET /dojo-api/v1/run-page: the server's run-page.ts). */
export interface RunPageAnswer {
  readonly run: Run;
  readonly experiment: Experiment;
  /** Its child runs (a study's trials), as runs/search answers them. */
  readonly children: Run[];
  /** The children's curves of the metrics charted first (lib/tracking/series-choice.ts's firstSeriesOf()). */
  readonly series: { readonly keys: string[]; readonly max_points: number; readonly series: SeriesOfRun[] };
  /** The files of its artifacts' top folder and of its `report/` folder (as listArtifacts() reads them). */
  readonly files: FileInfo[];
  readonly report_files: FileInfo[];
  /** The HPO service's live view of its study (as hpoStudy() reads it), null when there is none. */
  readonly hpo: StudyDetail | null;
}

/** The run `runId`, its experiment, its children, their first curves, its artifacts and its study's HPO view in one request. */
export function runPage(runId: string): Promise<RunPageAnswer> {
  return json<RunPageAnswer>(`${DOJO}run-page${query({ run_id: runId })}`);
}

/** The HPO service's live view of a study, or undefined when the server has no link to it (or it is down). */
export async function hpoStudy(id: string): Promise<StudyDetail | undefined> {
  try {
    return await json<StudyDetail>(`${DOJO}hpo/studies/${encodeURIComponent(id)}`);
  } catch {
    return undefined;
  }
}

/** The proxied download URL of a run's artifact. */
export function artifactUrl(run: Run, path: string): string {
  const rel = run.info.artifact_uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '');
  return '/api/2.0/mlflow-artifacts/artifacts/' + `${rel}/${path}`.split('/').map(encodeURIComponent).join('/');
}

/** The files of a run's artifact directory. */
export async function listArtifacts(run: Run, path: string): Promise<FileInfo[]> {
  return (await mlflowGet<{ files?: FileInfo[] }>('artifacts/list', { run_id: run.info.run_id, path: path || undefined })).files ?? [];
}

/** An artifact's text, at most `maxBytes` of it. */
export async function artifactText(run: Run, path: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const res = await request(artifactUrl(run, path));
  // Read no further than needed: a model file or a data dump can be gigabytes.
  const reader = res.body!.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  while (size <= maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
  }
  const truncated = size > maxBytes;
  if (truncated) await reader.cancel();
  const buf = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return { text: new TextDecoder().decode(buf.subarray(0, Math.min(size, maxBytes))), truncated };
}
