import type { TopLevelSpec } from 'vega-lite';

/** Parameter importances as horizontal bars, most important first. */
export function importanceSpec(importances: Record<string, number>): TopLevelSpec {
  const rows = Object.entries(importances).map(([param, importance]) => ({ param, importance }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Parameter importances (PED-ANOVA)',
    width: 480,
    height: { step: 22 },
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'param', type: 'nominal', sort: '-x', title: null },
      x: { field: 'importance', type: 'quantitative', title: 'importance', scale: { domain: [0, 1] } },
    },
  };
}
