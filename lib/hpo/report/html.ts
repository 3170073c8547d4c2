import { DojoError } from '../../errors';
import type { BestModel, StudyDetail } from '../study';
import { pedAnovaImportances } from './importance';
import { contourSpec } from './plots/contour';
import { historySpec } from './plots/history';
import { importanceSpec } from './plots/importance';
import { parallelSpec } from './plots/parallel';
import { bestPerFeatureSet } from './feature-sets';
import { describe, type DescribeRow } from './stats';
import { toSvg } from './svg';

/** Report options. */
export interface ReportOptions {
  /** The parameter pair of the contour plot. @default the two most important parameters */
  readonly contour?: [string, string];
}

/** One file of a report. */
export interface ReportFile {
  readonly name: string;
  readonly content: string;
}

function esc(s: unknown): string {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function num(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

/** Picks the contour pair: the requested one, else the two most important parameters. */
export function contourPair(study: StudyDetail, importances: Record<string, number>, requested?: [string, string]): [string, string] | undefined {
  if (requested) {
    for (const p of requested) if (!(p in study.space)) throw new DojoError('USAGE', `contour parameter ${p} is not in the space of study ${study.name} (${Object.keys(study.space).join(', ')})`);
    return requested;
  }
  const names = Object.keys(importances).sort((a, b) => importances[b]! - importances[a]!);
  return names.length >= 2 ? [names[0]!, names[1]!] : undefined;
}

/** Renders every plot of the report as SVG. */
export async function renderPlots(study: StudyDetail, opts: ReportOptions = {}): Promise<ReportFile[]> {
  const importances = pedAnovaImportances(study);
  const files: ReportFile[] = [
    { name: 'history.svg', content: await toSvg(historySpec(study)) },
    { name: 'importances.svg', content: await toSvg(importanceSpec(importances)) },
    { name: 'parallel_coordinates.svg', content: await toSvg(parallelSpec(study)) },
  ];
  const pair = contourPair(study, importances, opts.contour);
  if (pair) files.push({ name: 'contour.svg', content: await toSvg(contourSpec(study, pair[0], pair[1])) });
  return files;
}

/** The line naming the best model (empty before the study's end or without tracking). */
export function bestModelHtml(m: BestModel | undefined): string {
  if (!m) return '';
  const reg = m.registeredModel ? `; registered as <code>${esc(m.registeredModel.uri)}</code> (<code>dojo predict --model ${esc(m.registeredModel.uri)}</code>)` : '';
  return `<p class="best-model">best model: <code>${esc(m.uri)}</code>${reg}</p>`;
}

/** Issue 10: the best value of each feature set (missing/bins/scale), when the space searches them. */
export function featureSetsHtml(study: StudyDetail): string {
  const rows = bestPerFeatureSet(study);
  if (rows.length === 0) return '';
  const names = Object.keys(rows[0]!.stages);
  const body = rows.map((r) => `<tr>${names.map((n) => `<td>${esc(r.stages[n])}</td>`).join('')}<td>${r.trials}</td><td>${r.bestNumber}</td><td>${num(r.bestValue)}</td></tr>`).join('\n');
  return `<h2>Best per feature set</h2>\n<table><tr>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>trials</th><th>best trial</th><th>best value</th></tr>\n${body}</table>`;
}

/** The HTML summary: best trial, its model, describe() statistics, plots (inline, or linked when `linkPlots`), and every trial. */
export function summaryHtml(study: StudyDetail, plots: ReportFile[], linkPlots: boolean): string {
  const names = Object.keys(study.space);
  const best = study.best;
  const stat = (r: DescribeRow) =>
    `<tr><td>${esc(r.column)}</td><td>${r.count}</td>${[r.mean, r.std, r.min, r.q25, r.q50, r.q75, r.max].map((v) => `<td>${num(v)}</td>`).join('')}<td>${r.unique ?? ''}</td><td>${esc(r.top ?? '')}</td><td>${r.freq ?? ''}</td></tr>`;
  const trialRows = study.trials
    .map(
      (t) =>
        `<tr class="${t.state}"><td>${t.number}</td><td>${t.state}</td><td>${num(t.value)}</td>${names.map((n) => `<td>${esc(t.params[n])}</td>`).join('')}<td>${Object.keys(t.intermediate).length}</td><td>${esc(t.runId ?? '')}</td><td>${esc(t.sampler ?? '')}</td></tr>`,
    )
    .join('\n');
  const figures = plots.map((p) => (linkPlots ? `<figure><img src="${esc(p.name)}" alt="${esc(p.name)}"></figure>` : `<figure>${p.content}</figure>`)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Study ${esc(study.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}tr.pruned{color:#999}tr.failed{color:#c00}figure{display:inline-block;margin:1em}</style></head>
<body>
<h1>Study ${esc(study.name)}</h1>
<p>${esc(study.direction)} ${esc(study.metric ?? 'objective')} · sampler ${esc(study.sampler.name)} (seed ${study.sampler.seed})${study.samplerChoice ? ` → ${esc(study.samplerChoice.name)}: ${esc(study.samplerChoice.reason)}` : ''} · pruner ${esc(study.pruner.name)} · ${study.trials.length} trials: ${Object.entries(study.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')}</p>
<h2>Best trial</h2>
${best ? `<p>trial ${best.number}: <b>${num(best.value)}</b></p><table><tr><th>param</th><th>value</th></tr>${names.map((n) => `<tr><td>${esc(n)}</td><td>${esc(best.params[n])}</td></tr>`).join('')}</table>` : '<p>no complete trial yet</p>'}
${bestModelHtml(study.bestModel)}
${featureSetsHtml(study)}
<h2>Statistics of complete trials</h2>
<table><tr><th></th><th>count</th><th>mean</th><th>std</th><th>min</th><th>25%</th><th>50%</th><th>75%</th><th>max</th><th>unique</th><th>top</th><th>freq</th></tr>
${describe(study).map(stat).join('\n')}</table>
<h2>Plots</h2>
${figures}
<h2>Trials</h2>
<table><tr><th>number</th><th>state</th><th>value</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>reports</th><th>run</th><th>sampler</th></tr>
${trialRows}</table>
</body></html>
`;
}

/** The report as one self-contained HTML page (plots inline). */
export async function renderReport(study: StudyDetail, opts: ReportOptions = {}): Promise<string> {
  return summaryHtml(study, await renderPlots(study, opts), false);
}

/** The report as files: index.html linking the SVG plots beside it. */
export async function renderReportFiles(study: StudyDetail, opts: ReportOptions = {}): Promise<ReportFile[]> {
  const plots = await renderPlots(study, opts);
  return [{ name: 'index.html', content: summaryHtml(study, plots, true) }, ...plots];
}
