import type { DojoSummary } from '../../../providers/provider';

/** `dojo ls`: one id per line; with long, a table of provider, status, created and cost per hour. */
export function formatDojoList(dojos: readonly DojoSummary[], long: boolean): string[] {
  if (!long) return dojos.map((d) => d.id);
  const rows = [['ID', 'PROVIDER', 'STATUS', 'CREATED', 'COST/H'], ...dojos.map((d) => [d.id, d.provider, d.status, d.createdAt, `$${d.costPerHour.toFixed(2)}`])];
  return table(rows);
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '));
}
