import { describe, expect, it } from 'vitest';
import { parseFilter, parseOrderBy } from '../../../lib/tracking';
import { EXPERIMENT_VOCABULARY } from '../../../lib/tracking/search/filter';
import { likeToGlob } from '../../../lib/tracking/search/sql';

describe('parseFilter', () => {
  it('parses entity prefixes and their aliases, backticked and double-quoted keys, AND in any case', () => {
    expect(parseFilter("metric.`val loss` <= -1.5e-3 and params.\"my param\" LIKE 'a%' AnD tags.mlflow.parentRunId = \"abc\"")).toEqual([
      { type: 'metric', key: 'val loss', comparator: '<=', value: -0.0015 },
      { type: 'param', key: 'my param', comparator: 'LIKE', value: 'a%' },
      { type: 'tag', key: 'mlflow.parentRunId', comparator: '=', value: 'abc' },
    ]);
    expect(parseFilter("status = 'FINISHED' AND attributes.created > 5 AND attr.run_id IN ('a', 'b')")).toEqual([
      { type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' },
      { type: 'attribute', key: 'start_time', comparator: '>', value: 5 },
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] },
    ]);
    expect(parseFilter('  ')).toEqual([]);
    expect(parseFilter(undefined)).toEqual([]);
  });

  it('names the problem and its position', () => {
    expect(() => parseFilter('metrics.loss >')).toThrow(/Invalid filter string 'metrics.loss >': expected a number or a quoted string, found '' \(at character 15\)/);
    expect(() => parseFilter("metrics.loss LIKE 'x'")).toThrow(/'LIKE' is not a valid comparator for metric 'loss'/);
    expect(() => parseFilter('params.lr = 0.1')).toThrow(/must be a quoted string/);
    expect(() => parseFilter("datasets.x = 'y'")).toThrow(/invalid entity type 'datasets'/);
    expect(() => parseFilter("a = 'b' OR c = 'd'")).toThrow(/invalid attribute key 'a'/);
    expect(() => parseFilter("status = 'a' OR status = 'b'")).toThrow(/expected AND/);
    expect(() => parseFilter("tags.x = 'unterminated")).toThrow(/unterminated ' quote/);
    expect(() => parseFilter("tags.x IN ('a')")).toThrow(/only valid for attributes.run_id/);
  });

  it('uses the experiment vocabulary for experiments/search', () => {
    expect(parseFilter("name ILIKE '%fare%' AND tags.team = 'x'", EXPERIMENT_VOCABULARY)).toHaveLength(2);
    expect(() => parseFilter('metrics.x > 1', EXPERIMENT_VOCABULARY)).toThrow(/invalid entity type 'metrics'/);
  });
});

describe('parseOrderBy', () => {
  it('defaults to ascending and accepts ASC/DESC in any case', () => {
    expect(parseOrderBy(['metrics.`val loss` desc', 'params.lr', 'start_time ASC'])).toEqual([
      { type: 'metric', key: 'val loss', ascending: false },
      { type: 'param', key: 'lr', ascending: true },
      { type: 'attribute', key: 'start_time', ascending: true },
    ]);
    expect(() => parseOrderBy(['metrics.loss upward'])).toThrow(/expected ASC or DESC/);
  });
});

describe('likeToGlob', () => {
  it('maps % and _ and escapes GLOB specials so LIKE stays case-sensitive and literal', () => {
    expect(likeToGlob('a%b_c*?[')).toBe('a*b?c[*][?][[]');
  });
});
