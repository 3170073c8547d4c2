import { compact, type ApiRoute } from '../route';
import { runIdOf, str } from '../parse';
import type { FileInfo, Run } from '../../types';
import { proxiedPathOf, type ArtifactRepository } from '../artifact-repo';

/** The files of folder `path` of a run's artifacts (none when it does not exist), paths relative to the run's artifact root. */
export function runArtifacts(run: Run, path: string, artifacts: ArtifactRepository): FileInfo[] {
  const sub = path.replace(/^\/+|\/+$/g, '');
  const base = proxiedPathOf(run.info.artifact_uri);
  const entries = artifacts.list(sub ? `${base}/${sub}` : base) ?? [];
  return entries.map((f) => ({ ...f, path: sub ? `${sub}/${f.path}` : f.path }));
}

/** artifacts/list: paths relative to the run's artifact root. */
export const artifactRoutes: readonly ApiRoute[] = [
  {
    path: 'artifacts/list',
    methods: ['GET'],
    handle: (a, { store, artifacts }) => {
      const run = store.runs.get(runIdOf(a));
      return compact({ root_uri: run.info.artifact_uri, files: runArtifacts(run, str(a, 'path') ?? '', artifacts) });
    },
  },
];
