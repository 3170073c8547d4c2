import { invalidParam } from '../errors';
import { RUN_STATUSES, type DatasetInput, type Metric, type Param, type RunStatus, type RunTag } from '../types';

/** The parameters of one API call: the JSON body of a POST or the query of a GET. */
export type Args = Record<string, unknown>;

/** Builds Args from a query string; repeated keys (experiment_ids=1&experiment_ids=2) become lists. */
export function argsFromQuery(q: URLSearchParams): Args {
  const out: Args = {};
  for (const key of new Set(q.keys())) {
    const all = q.getAll(key);
    out[key] = all.length > 1 || key.endsWith('_ids') || key === 'order_by' ? all : all[0];
  }
  return out;
}

/** A required or optional string field; a number where a string belongs is a 400 as in MLflow. */
export function str(args: Args, field: string, required: true): string;
export function str(args: Args, field: string, required?: false): string | undefined;
export function str(args: Args, field: string, required = false): string | undefined {
  const v = args[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw invalidParam(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected a string.`);
  return v;
}

/** A 64-bit integer field that may arrive as a JSON number or a string ("1700000000000"). */
export function int64(args: Args, field: string, required = false): number | undefined {
  const v = args[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw invalidParam(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);
    return undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected an integer.`);
  return n;
}

/** A metric value: a number, or a string such as "0.5", "NaN", "Infinity", "-Infinity". */
export function metricValue(v: unknown, field = 'value'): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'NaN' || t === 'nan') return NaN;
    if (t === 'Infinity' || t === 'inf') return Infinity;
    if (t === '-Infinity' || t === '-inf') return -Infinity;
    const n = Number(t);
    if (t !== '' && !Number.isNaN(n)) return n;
  }
  if (v === undefined || v === null) throw invalidParam(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);
  throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected a number.`);
}

/** The run id of a run call: `run_id`, or the older `run_uuid`. */
export function runIdOf(args: Args): string {
  const id = str(args, 'run_id') ?? str(args, 'run_uuid');
  if (id === undefined) throw invalidParam("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
  return id;
}

/** A run status name. */
export function status(args: Args, field = 'status'): RunStatus | undefined {
  const s = str(args, field);
  if (s === undefined) return undefined;
  if (!RUN_STATUSES.includes(s as RunStatus)) throw invalidParam(`Invalid value "${s}" for parameter '${field}': use one of ${RUN_STATUSES.join(', ')}.`);
  return s as RunStatus;
}

function list(args: Args, field: string): Args[] {
  const v = args[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidParam(`Invalid value for parameter '${field}': expected a list.`);
  return v.map((e, i) => {
    if (typeof e !== 'object' || e === null) throw invalidParam(`Invalid value for parameter '${field}[${i}]': expected an object.`);
    return e as Args;
  });
}

/** A list of `{key, value}` tags or params; values must be strings. */
export function keyValues(args: Args, field: string): RunTag[] {
  return list(args, field).map((e) => ({ key: str(e, 'key', true), value: str(e, 'value') ?? '' }));
}

/** One metric object of log-metric or log-batch. */
export function metricOf(e: Args): Metric {
  return {
    key: str(e, 'key', true),
    value: metricValue(e['value']),
    timestamp: int64(e, 'timestamp', true)!,
    step: int64(e, 'step') ?? 0,
  };
}

/** The metrics list of log-batch. */
export function metricList(args: Args): Metric[] {
  return list(args, 'metrics').map(metricOf);
}

/** The params list of log-batch. */
export function paramList(args: Args): Param[] {
  return keyValues(args, 'params');
}

/** A list of strings, e.g. experiment_ids or order_by. */
export function strings(args: Args, field: string): string[] {
  const v = args[field];
  if (v === undefined || v === null) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => {
    if (typeof x !== 'string' && typeof x !== 'number') throw invalidParam(`Invalid value for parameter '${field}': expected a list of strings.`);
    return String(x);
  });
}

/** A string field named by its full path in messages (e.g. `datasets[0].dataset.name`). */
function stringAt(o: Args, field: string, path: string, required: boolean, allowEmpty: boolean): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || (v === '' && !allowEmpty)) {
    if (required) throw invalidParam(`Missing value for required parameter '${path}'. See the API docs for more information about request parameters.`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${path}' supplied: expected a string.`);
  return v;
}

/**
 * The datasets of runs/log-inputs: each `{tags?: [{key, value}], dataset: {name, digest,
 * source_type, source, schema?, profile?}}` (proto DatasetInput); a missing required field or a
 * wrong type is a 400 naming its path.
 */
export function datasetInputList(args: Args): DatasetInput[] {
  return list(args, 'datasets').map((e, i) => {
    const at = `datasets[${i}]`;
    const d = e['dataset'];
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      if (d === undefined || d === null) throw invalidParam(`Missing value for required parameter '${at}.dataset'. See the API docs for more information about request parameters.`);
      throw invalidParam(`Invalid value for parameter '${at}.dataset': expected an object.`);
    }
    const ds = d as Args;
    const req = (f: string): string => stringAt(ds, f, `${at}.dataset.${f}`, true, false)!;
    const input: DatasetInput = { dataset: { name: req('name'), digest: req('digest'), source_type: req('source_type'), source: req('source') } };
    const schema = stringAt(ds, 'schema', `${at}.dataset.schema`, false, true);
    const profile = stringAt(ds, 'profile', `${at}.dataset.profile`, false, true);
    if (schema !== undefined) input.dataset.schema = schema;
    if (profile !== undefined) input.dataset.profile = profile;
    const tags = list(e, 'tags').map((t, j) => ({
      key: stringAt(t, 'key', `${at}.tags[${j}].key`, true, false)!,
      value: stringAt(t, 'value', `${at}.tags[${j}].value`, true, true)!,
    }));
    if (tags.length > 0) input.tags = tags;
    return input;
  });
}
