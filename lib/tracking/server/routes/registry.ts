import { invalidParam } from '../../errors';
import type { RegistryTag } from '../../store/registry';
import { compact, type ApiRoute } from '../route';
import { int64, keyValues, str } from '../parse';

const tagsOf = (a: Record<string, unknown>): RegistryTag[] => keyValues(a, 'tags').map((t) => ({ key: t.key, value: t.value }));

function bool(a: Record<string, unknown>, field: string): boolean {
  const v = a[field];
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected a boolean.`);
}

/** The model registry endpoints (MLflow 2.x): registered-models/* and model-versions/*. */
export const registryRoutes: readonly ApiRoute[] = [
  {
    path: 'registered-models/create',
    methods: ['POST'],
    handle: (a, { store }) => ({ registered_model: compact({ ...store.registry.createModel(str(a, 'name', true), str(a, 'description'), tagsOf(a)) }) }),
  },
  {
    path: 'registered-models/get',
    methods: ['GET'],
    handle: (a, { store }) => ({ registered_model: compact({ ...store.registry.getModel(str(a, 'name', true)) }) }),
  },
  {
    path: 'registered-models/search',
    methods: ['GET'],
    handle: (a, { store }) => {
      const r = store.registry.searchModels(str(a, 'filter'), int64(a, 'max_results') ?? 100, str(a, 'page_token'));
      return compact({ registered_models: r.registered_models.map((m) => compact({ ...m })), next_page_token: r.next_page_token });
    },
  },
  {
    path: 'registered-models/delete',
    methods: ['DELETE'],
    handle: (a, { store }) => {
      store.registry.deleteModel(str(a, 'name', true));
      return {};
    },
  },
  {
    path: 'registered-models/alias',
    // One path, three calls: POST points the alias at a version, GET reads it, DELETE removes it.
    methods: ['GET', 'POST', 'DELETE'],
    handle: (a, { store }, method) => {
      const name = str(a, 'name', true);
      const alias = str(a, 'alias', true);
      if (method === 'GET') return { model_version: compact({ ...store.registry.getByAlias(name, alias) }) };
      // As MLflow: an unknown model is a 404, deleting an alias that is not set is a no-op.
      if (method === 'DELETE') store.registry.deleteAlias(name, alias);
      else store.registry.setAlias(name, alias, String(int64(a, 'version', true)));
      return {};
    },
  },
  {
    path: 'model-versions/create',
    methods: ['POST'],
    handle: (a, { store }) => ({
      model_version: compact({ ...store.registry.createVersion(str(a, 'name', true), str(a, 'source', true), str(a, 'run_id'), str(a, 'description'), tagsOf(a)) }),
    }),
  },
  {
    path: 'model-versions/get',
    methods: ['GET'],
    handle: (a, { store }) => ({ model_version: compact({ ...store.registry.getVersion(str(a, 'name', true), str(a, 'version', true)) }) }),
  },
  {
    path: 'model-versions/search',
    methods: ['GET'],
    handle: (a, { store }) => compact({ model_versions: store.registry.searchVersions(str(a, 'filter'), int64(a, 'max_results') ?? 1000).model_versions.map((v) => compact({ ...v })) }),
  },
  {
    path: 'model-versions/transition-stage',
    methods: ['POST'],
    handle: (a, { store }) => ({
      model_version: compact({ ...store.registry.transitionStage(str(a, 'name', true), str(a, 'version', true), str(a, 'stage', true), bool(a, 'archive_existing_versions')) }),
    }),
  },
  {
    path: 'model-versions/get-download-uri',
    methods: ['GET'],
    handle: (a, { store }) => ({ artifact_uri: store.registry.getVersion(str(a, 'name', true), str(a, 'version', true)).source }),
  },
];
