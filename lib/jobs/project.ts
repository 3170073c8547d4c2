// MLflow Projects (an `MLproject` file) as command jobs: an entry point's command with its
// `{param}` placeholders filled from a trial's hyperparameters, as `mlflow run DIR -e NAME -P k=v
// --env-manager local` would run it (MLflow's mlflow/projects/_project_spec.py): parameters are
// `name: type` or `{type, default}`, type `string` when none is given; a parameter without a
// default needs a value; a `path` must exist and becomes absolute, a `uri` must have a scheme;
// every value is shell-quoted. Unlike `mlflow run`, a value the entry point does not declare is
// refused (a search space key that reaches nothing is a mistake, not an extra `--key value`).
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DojoError } from '../errors';
import { PROJECT_PARAM_TYPES, type CommandJob, type ProjectEntry } from './replica-env';

/** The environment sections of an MLproject that a local dojo does not manage. */
export const PROJECT_ENV_KEYS = ['python_env', 'conda_env', 'docker_env'] as const;

/** An entry point read from an MLproject: the command template and what the dojo says about it once. */
export interface ReadProject {
  readonly job: CommandJob;
  /** Notes for the user (an environment section the local dojo leaves alone). */
  readonly notes: readonly string[];
}

type ParamType = (typeof PROJECT_PARAM_TYPES)[number];

/** Reads one entry point of a parsed MLproject document (USAGE errors name the file and field). */
export function projectEntry(doc: unknown, file: string, dir: string, entryPoint: string): ReadProject {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DojoError('USAGE', `${file}: expected a YAML mapping with entry_points`);
  const d = doc as Record<string, unknown>;
  const eps = d.entry_points;
  if (typeof eps !== 'object' || eps === null || Array.isArray(eps)) throw new DojoError('USAGE', `${file}: entry_points: expected a mapping of entry point names`);
  const names = Object.keys(eps);
  const ep = (eps as Record<string, unknown>)[entryPoint];
  if (ep === undefined) throw new DojoError('USAGE', `--entry-point ${entryPoint}: ${file} has no such entry point (it has: ${names.join(', ') || 'none'})`);
  if (typeof ep !== 'object' || ep === null) throw new DojoError('USAGE', `${file}: entry_points.${entryPoint}: expected a mapping with a command`);
  const e = ep as Record<string, unknown>;
  if (typeof e.command !== 'string' || e.command.trim() === '') throw new DojoError('USAGE', `${file}: entry_points.${entryPoint}.command: expected a command line`);
  const parameters: Record<string, { type: ParamType; default?: string }> = {};
  const rawParams = e.parameters ?? {};
  if (typeof rawParams !== 'object' || rawParams === null || Array.isArray(rawParams)) throw new DojoError('USAGE', `${file}: entry_points.${entryPoint}.parameters: expected a mapping`);
  for (const [name, spec] of Object.entries(rawParams)) {
    const field = `${file}: entry_points.${entryPoint}.parameters.${name}`;
    const type = typeof spec === 'string' ? spec : (((spec ?? {}) as Record<string, unknown>).type ?? 'string');
    if (!PROJECT_PARAM_TYPES.includes(type as ParamType)) throw new DojoError('USAGE', `${field}: type must be one of ${PROJECT_PARAM_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    const def = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>).default : undefined;
    if (def !== undefined && def !== null && typeof def === 'object') throw new DojoError('USAGE', `${field}.default: expected a single value`);
    parameters[name] = { type: type as ParamType, ...(def === undefined || def === null ? {} : { default: String(def) }) };
  }
  for (const m of e.command.matchAll(/\{([^{}]*)\}/g)) {
    if (!(m[1]! in parameters)) throw new DojoError('USAGE', `${file}: entry_points.${entryPoint}.command: {${m[1]}} is not a declared parameter`);
  }
  const present = PROJECT_ENV_KEYS.filter((k) => d[k] !== undefined);
  const notes = present.length > 0 ? [`${file}: ${present.join(', ')} is not managed by a local dojo: the command runs with the Python on PATH in ${dir}`] : [];
  const project: ProjectEntry = { dir, entryPoint, parameters };
  return { job: { command: e.command, workdir: dir, project }, notes };
}

/** Refuses a search space key the entry point does not declare (exit 2, naming the space file). */
export function checkProjectSpace(project: ProjectEntry, space: Readonly<Record<string, unknown>>, source: string): void {
  for (const key of Object.keys(space)) {
    if (!(key in project.parameters)) {
      throw new DojoError(
        'USAGE',
        `${source}: ${key}: the MLproject entry point ${project.entryPoint} declares no such parameter (it declares: ${Object.keys(project.parameters).join(', ') || 'none'})`,
      );
    }
  }
}

/** The command line of a trial: the job's command, or its entry point's with every placeholder filled. */
export function fillCommand(job: CommandJob, params: Readonly<Record<string, unknown>>): string {
  const p = job.project;
  if (!p) return job.command;
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(p.parameters)) {
    const given = params[name];
    const raw = given === undefined ? spec.default : String(given);
    if (raw === undefined) throw new DojoError('USAGE', `MLproject entry point ${p.entryPoint}: no value for parameter ${name} (no default, and the search space has none)`);
    values[name] = shellQuote(typed(name, spec.type, raw, p.dir));
  }
  return job.command.replace(/\{([^{}]*)\}/g, (_, name: string) => values[name]!);
}

function typed(name: string, type: ParamType, raw: string, dir: string): string {
  switch (type) {
    case 'float':
      if (raw.trim() === '' || !Number.isFinite(Number(raw))) throw new DojoError('USAGE', `MLproject parameter ${name}: type float, got ${JSON.stringify(raw)}`);
      return raw;
    case 'path': {
      const abs = isAbsolute(raw) ? raw : resolve(join(dir, raw));
      if (!existsSync(abs)) throw new DojoError('USAGE', `MLproject parameter ${name}: got value ${raw}, but no such file or directory was found`);
      return abs;
    }
    case 'uri':
      if (!/^[a-z][a-z0-9+.-]*:/i.test(raw) && !isAbsolute(raw)) throw new DojoError('USAGE', `MLproject parameter ${name}: expected a URI, got ${JSON.stringify(raw)}`);
      return raw;
    case 'string':
      return raw;
  }
}

/** A value as one shell word (Python's shlex.quote). */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}
