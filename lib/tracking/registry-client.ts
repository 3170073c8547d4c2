import { DojoError } from '../errors';
import { TrackingClient } from './client';
import { TrackingError } from './errors';
import { encodeJson, sendWithRetries } from './http-client';
import type { ModelVersion, RegisteredModel } from './store/registry';

export type { ModelVersion, RegisteredModel } from './store/registry';

/**
 * A client of MLflow's model registry REST API (real MLflow or the embedded server): registered
 * models, versions, stages and aliases.
 */
export class RegistryClient {
  constructor(private readonly tracking: TrackingClient) {}

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', endpoint: string, args: Record<string, string | boolean | undefined>): Promise<T> {
    const base = `${this.tracking.baseUrl}/api/2.0/mlflow/${endpoint}`;
    const defined = Object.entries(args).filter((e): e is [string, string | boolean] => e[1] !== undefined);
    const res =
      method === 'GET'
        ? await sendWithRetries({ method, url: `${base}?${new URLSearchParams(defined.map(([k, v]) => [k, String(v)]))}` }, this.tracking.opts)
        : await sendWithRetries({ method, url: base, body: encodeJson(Object.fromEntries(defined)), contentType: 'application/json' }, this.tracking.opts);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  /** registered-models/create */
  async createRegisteredModel(name: string, description?: string): Promise<RegisteredModel> {
    return (await this.call<{ registered_model: RegisteredModel }>('POST', 'registered-models/create', { name, description })).registered_model;
  }

  /** registered-models/get; undefined when there is no such model. */
  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      return (await this.call<{ registered_model: RegisteredModel }>('GET', 'registered-models/get', { name })).registered_model;
    } catch (e) {
      if (e instanceof DojoError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** registered-models/search (one page). */
  async searchRegisteredModels(filter?: string): Promise<RegisteredModel[]> {
    return (await this.call<{ registered_models?: RegisteredModel[] }>('GET', 'registered-models/search', { filter })).registered_models ?? [];
  }

  /** registered-models/delete */
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete', { name });
  }

  /** model-versions/create */
  async createModelVersion(name: string, source: string, runId?: string, description?: string): Promise<ModelVersion> {
    return (await this.call<{ model_version: ModelVersion }>('POST', 'model-versions/create', { name, source, run_id: runId, description })).model_version;
  }

  /** model-versions/get */
  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return (await this.call<{ model_version: ModelVersion }>('GET', 'model-versions/get', { name, version })).model_version;
  }

  /** model-versions/search */
  async searchModelVersions(filter?: string): Promise<ModelVersion[]> {
    return (await this.call<{ model_versions?: ModelVersion[] }>('GET', 'model-versions/search', { filter })).model_versions ?? [];
  }

  /** model-versions/transition-stage */
  async transitionStage(name: string, version: string, stage: string, archiveExisting = false): Promise<ModelVersion> {
    return (await this.call<{ model_version: ModelVersion }>('POST', 'model-versions/transition-stage', { name, version, stage, archive_existing_versions: archiveExisting })).model_version;
  }

  /** registered-models/alias (POST) */
  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }

  /** registered-models/alias (GET) */
  async getByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (await this.call<{ model_version: ModelVersion }>('GET', 'registered-models/alias', { name, alias })).model_version;
  }

  /** registered-models/alias (DELETE); a model without that alias is left as it is, as in MLflow. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias });
  }

  /** Creates the registered model if missing, then a new version from `source` (e.g. runs:/<id>/best_model). */
  async registerModel(name: string, source: string, runId?: string): Promise<ModelVersion> {
    if (!(await this.getRegisteredModel(name))) {
      try {
        await this.createRegisteredModel(name);
      } catch (e) {
        if (!(e instanceof DojoError && e.code === 'CONFLICT')) throw e; // created concurrently
      }
    }
    return this.createModelVersion(name, source, runId);
  }
}

/**
 * Resolves `models:/<name>/<version|alias|stage>` to the version's source URI (what predict
 * loads): a number is a version, `latest` the newest, a stage name (Production, Staging) its
 * newest version, `@<alias>` (MLflow's `models:/<name>@<alias>`) and anything else an alias.
 */
export async function resolveRegisteredModel(client: TrackingClient, name: string, versionOrAlias: string): Promise<string> {
  const reg = new RegistryClient(client);
  let mv: ModelVersion | undefined;
  if (versionOrAlias.startsWith('@')) mv = await aliased(reg, name, versionOrAlias.slice(1));
  else if (/^\d+$/.test(versionOrAlias)) mv = await reg.getModelVersion(name, versionOrAlias);
  else if (versionOrAlias === 'latest' || ['none', 'staging', 'production', 'archived'].includes(versionOrAlias.toLowerCase())) {
    const all = await reg.searchModelVersions(`name = '${name.replace(/'/g, "\\'")}'`);
    const pick = versionOrAlias === 'latest' ? all : all.filter((v) => v.current_stage.toLowerCase() === versionOrAlias.toLowerCase());
    mv = pick.sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (!mv) throw new DojoError('NOT_FOUND', `models:/${name}/${versionOrAlias}: no version of registered model ${name} is in that stage`);
  } else mv = await aliased(reg, name, versionOrAlias);
  return mv.source;
}

/** The version an alias points at; MLflow answers an unset alias with a 400, which here is a plain "not found". */
async function aliased(reg: RegistryClient, name: string, alias: string): Promise<ModelVersion> {
  try {
    return await reg.getByAlias(name, alias);
  } catch (e) {
    if (e instanceof TrackingError && (e.errorCode === 'INVALID_PARAMETER_VALUE' || e.errorCode === 'RESOURCE_DOES_NOT_EXIST')) {
      throw new DojoError('NOT_FOUND', `models:/${name}@${alias}: registered model '${name}' has no alias '${alias}' (or does not exist)`, { cause: e });
    }
    throw e;
  }
}
