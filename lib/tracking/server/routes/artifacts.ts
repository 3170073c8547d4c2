import { compact, type ApiRoute } from '../route';
import { runIdOf, str } from '../parse';
import { proxiedPathOf } from '../artifact-repo';

/** artifacts/list: paths relative to the run's artifact root. */
export const artifactRoutes: readonly ApiRoute[] = [
  {
    path: 'artifacts/list',
    methods: ['GET'],
    handle: (a, { store, artifacts }) => {
      const run = store.runs.get(runIdOf(a));
      const sub = (str(a, 'path') ?? '').replace(/^\/+|\/+$/g, '');
      const base = proxiedPathOf(run.info.artifact_uri);
      const entries = artifacts.list(sub ? `${base}/${sub}` : base) ?? [];
      const files = entries.map((f) => ({ ...f, path: sub ? `${sub}/${f.path}` : f.path }));
      return compact({ root_uri: run.info.artifact_uri, files });
    },
  },
];
