import { invalidParam } from '../../errors';
import type { ViewType } from '../../store';
import { compact, type ApiRoute } from '../route';
import { int64, keyValues, str, strings } from '../parse';

const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

/** Parses view_type, which MLflow also accepts as the enum's number. */
export function viewTypeOf(v: unknown): ViewType | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const byNumber: Record<string, ViewType> = { '1': 'ACTIVE_ONLY', '2': 'DELETED_ONLY', '3': 'ALL' };
  const s = byNumber[String(v)] ?? String(v);
  if (!VIEW_TYPES.includes(s as ViewType)) throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter 'view_type': use ${VIEW_TYPES.join(', ')}.`);
  return s as ViewType;
}

/** experiments/* endpoints. */
export const experimentRoutes: readonly ApiRoute[] = [
  {
    path: 'experiments/create',
    methods: ['POST'],
    handle: (a, { store }) => ({ experiment_id: store.experiments.create(str(a, 'name', true), str(a, 'artifact_location'), keyValues(a, 'tags')) }),
  },
  {
    path: 'experiments/get',
    methods: ['GET'],
    handle: (a, { store }) => ({ experiment: store.experiments.get(str(a, 'experiment_id', true)) }),
  },
  {
    path: 'experiments/get-by-name',
    methods: ['GET'],
    handle: (a, { store }) => ({ experiment: store.experiments.getByName(str(a, 'experiment_name', true)) }),
  },
  {
    path: 'experiments/search',
    methods: ['GET', 'POST'],
    handle: (a, { store }) => {
      const r = store.experiments.search({
        viewType: viewTypeOf(a['view_type']),
        filter: str(a, 'filter'),
        orderBy: strings(a, 'order_by'),
        maxResults: int64(a, 'max_results'),
        pageToken: str(a, 'page_token'),
      });
      return compact({ experiments: r.experiments, next_page_token: r.nextPageToken });
    },
  },
  {
    path: 'experiments/delete',
    methods: ['POST'],
    handle: (a, { store }) => (store.experiments.setStage(str(a, 'experiment_id', true), 'deleted'), {}),
  },
  {
    path: 'experiments/restore',
    methods: ['POST'],
    handle: (a, { store }) => (store.experiments.setStage(str(a, 'experiment_id', true), 'active'), {}),
  },
  {
    path: 'experiments/update',
    methods: ['POST'],
    handle: (a, { store }) => (store.experiments.rename(str(a, 'experiment_id', true), str(a, 'new_name', true)), {}),
  },
  {
    path: 'experiments/set-experiment-tag',
    methods: ['POST'],
    handle: (a, { store }) => (store.experiments.setTag(str(a, 'experiment_id', true), str(a, 'key', true), str(a, 'value') ?? ''), {}),
  },
];
