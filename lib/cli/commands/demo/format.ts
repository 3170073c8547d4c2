import type { JobProgress } from '../../../providers/provider';
import { formatValue } from '../job-wait/format';
import type { FeatureSetRow } from '../../../hpo/report/feature-sets';

/** The demo's closing lines: the best trial, its value, the best of each feature set and where to look. */
export function formatDemoResult(p: JobProgress, uiUrl: string | undefined, kept: string | undefined, featureSets: readonly FeatureSetRow[] = []): string[] {
  const lines: string[] = [];
  if (p.best) {
    lines.push(`best trial: ${p.best.number}`);
    lines.push(`best ${p.metric}: ${formatValue(p.best.value)}`);
    lines.push(`best params: ${JSON.stringify(p.best.params)}`);
  } else {
    lines.push(`no trial completed (${p.failed} failed, ${p.pruned} pruned); see \`dojo job logs ${p.jobId}\``);
  }
  lines.push(`trials: ${p.complete} complete, ${p.pruned} pruned, ${p.failed} failed of ${p.total}`);
  if (featureSets.length > 0) {
    lines.push(`best ${p.metric} per feature set:`);
    const label = (r: FeatureSetRow): string => Object.entries(r.stages).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    const width = Math.max(...featureSets.map((r) => label(r).length));
    for (const r of featureSets) lines.push(`  ${label(r).padEnd(width)}  ${formatValue(r.bestValue)} (trial ${r.bestNumber}, ${r.trials} complete)`);
  }
  if (uiUrl) lines.push(`tracking UI: ${uiUrl}${kept ? '' : ' (removed with the dojo; use --keep to browse it)'}`);
  if (kept) lines.push(`the dojo ${kept} is still running: remove it with \`dojo rm ${kept} --yes\``);
  return lines;
}
