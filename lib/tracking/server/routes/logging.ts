import { invalidParam } from '../../errors';
import { BATCH_LIMITS } from '../../types';
import { compact, type ApiRoute } from '../route';
import { datasetInputList, int64, metricList, metricOf, paramList, keyValues, runIdOf, str } from '../parse';

/** log-metric, log-parameter, set-tag, delete-tag, log-batch, log-inputs and metrics/get-history. */
export const loggingRoutes: readonly ApiRoute[] = [
  {
    path: 'runs/log-metric',
    methods: ['POST'],
    handle: (a, { store }) => (store.runs.logBatch(runIdOf(a), [metricOf(a)], [], []), {}),
  },
  {
    path: 'runs/log-parameter',
    methods: ['POST'],
    handle: (a, { store }) => {
      // An empty string is a value; a missing or non-string one is not.
      if (a['value'] === undefined || a['value'] === null) str(a, 'value', true);
      store.runs.logBatch(runIdOf(a), [], [{ key: str(a, 'key', true), value: str(a, 'value') ?? '' }], []);
      return {};
    },
  },
  {
    path: 'runs/set-tag',
    methods: ['POST'],
    handle: (a, { store }) => (store.runs.logBatch(runIdOf(a), [], [], [{ key: str(a, 'key', true), value: str(a, 'value') ?? '' }]), {}),
  },
  {
    path: 'runs/delete-tag',
    methods: ['POST'],
    handle: (a, { store }) => (store.runs.deleteTag(runIdOf(a), str(a, 'key', true)), {}),
  },
  {
    path: 'runs/log-batch',
    methods: ['POST'],
    handle: (a, { store }) => {
      const metrics = metricList(a);
      const params = paramList(a);
      const tags = keyValues(a, 'tags');
      const over = (n: number, max: number, what: string): void => {
        if (n > max) throw invalidParam(`A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`);
      };
      over(metrics.length, BATCH_LIMITS.metrics, 'metrics');
      over(params.length, BATCH_LIMITS.params, 'params');
      over(tags.length, BATCH_LIMITS.tags, 'tags');
      over(metrics.length + params.length + tags.length, BATCH_LIMITS.total, 'metrics, params, and tags in total');
      store.runs.logBatch(runIdOf(a), metrics, params, tags);
      return {};
    },
  },
  {
    path: 'runs/log-inputs',
    methods: ['POST'],
    handle: (a, { store }) => (store.runs.logInputs(runIdOf(a), datasetInputList(a)), {}),
  },
  {
    path: 'metrics/get-history',
    methods: ['GET'],
    handle: (a, { store }) => {
      const page = store.runs.history(runIdOf(a), str(a, 'metric_key', true), { maxResults: int64(a, 'max_results'), pageToken: str(a, 'page_token') });
      return compact({ metrics: page.metrics, next_page_token: page.nextPageToken });
    },
  },
];
