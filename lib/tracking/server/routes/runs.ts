import type { RunViewType } from '../../store';
import { compact, type ApiRoute } from '../route';
import { int64, keyValues, runIdOf, status, str, strings } from '../parse';
import { viewTypeOf } from './experiments';

/** runs/create, get, update, delete, restore, search. */
export const runRoutes: readonly ApiRoute[] = [
  {
    path: 'runs/create',
    methods: ['POST'],
    handle: (a, { store }) => ({
      run: store.runs.create({
        experimentId: str(a, 'experiment_id') ?? '0',
        userId: str(a, 'user_id'),
        startTime: int64(a, 'start_time'),
        runName: str(a, 'run_name'),
        tags: keyValues(a, 'tags'),
      }),
    }),
  },
  {
    path: 'runs/get',
    methods: ['GET'],
    handle: (a, { store }) => ({ run: store.runs.get(runIdOf(a)) }),
  },
  {
    path: 'runs/update',
    methods: ['POST'],
    handle: (a, { store }) => ({
      run_info: store.runs.update(runIdOf(a), { status: status(a), endTime: int64(a, 'end_time'), runName: str(a, 'run_name') }),
    }),
  },
  {
    path: 'runs/delete',
    methods: ['POST'],
    handle: (a, { store }) => (store.runs.setStage(runIdOf(a), 'deleted'), {}),
  },
  {
    path: 'runs/restore',
    methods: ['POST'],
    handle: (a, { store }) => (store.runs.setStage(runIdOf(a), 'active'), {}),
  },
  {
    path: 'runs/search',
    methods: ['POST'],
    handle: (a, { store }) => {
      const r = store.runs.search({
        experimentIds: strings(a, 'experiment_ids'),
        filter: str(a, 'filter'),
        orderBy: strings(a, 'order_by'),
        maxResults: int64(a, 'max_results'),
        pageToken: str(a, 'page_token'),
        runViewType: viewTypeOf(a['run_view_type']) as RunViewType | undefined,
      });
      return compact({ runs: r.runs, next_page_token: r.nextPageToken });
    },
  },
];
