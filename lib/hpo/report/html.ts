import { DojoError } from '../../errors';
import type { BestModel, StudyDetail } from '../study';
import { pedAnovaImportances } from './importance';
import { contourSpec } from './plots/contour';
import { historySpec } from './plots/history';
import { importanceSpec } from './plots/importance';
import { parallelSpec } from './plots/parallel';
import { bestPerFeatureSet } from './feature-sets';
import { describe, type DescribeRow } from './stats';
import { lastStep, stateWords } from './states';
import { toSvg } from './svg';

/** What tracking knows of a trial beyond the study's own record. */
export interface TrialNote {
  /** Why it failed (the run's `dojo.failure_reason` tag). */
  readonly reason?: string;
  /** Which sampler suggested its params (a `dojo.sampler` tag or param of its run). */
  readonly sampler?: string;
}

/** Report options. */
export interface ReportOptions {
  /** The parameter pair of the contour plot. @default the two most important parameters */
  readonly contour?: [string, string];
  /** Notes per trial number (failure reasons, samplers), e.g. from trialNotesFromTracking(). @default - none */
  readonly trialNotes?: ReadonlyMap<number, TrialNote>;
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

/**
 * An SVG made fit to sit inline beside others: its ids (gradients, clip paths) prefixed so that two
 * plots never share one, and references to them (`url(#…)`, `href="#…"`) renamed to match.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/<\?xml[^>]*>\s*/, '')
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/\b(xlink:)?href="#([^"]+)"/g, (_m, x: string | undefined, id: string) => `${x ?? ''}href="#${prefix}-${id}"`);
}

/** The sampler of a trial: from the study detail when it says, else from tracking's note. */
function samplerOf(t: StudyDetail['trials'][number], note: TrialNote | undefined): string | undefined {
  const own = (t as { readonly sampler?: unknown }).sampler;
  return typeof own === 'string' ? own : note?.sampler;
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

/**
 * The HTML summary: best trial, its model, describe() statistics, the plots and every trial with its
 * state in the study's words. One self-contained page: the SVG plots inline, no relative URL, no
 * script, so it renders wherever an HTML artifact is shown — MLflow's UI loads it into a frame from
 * a `blob:` URL, where nothing beside it could be fetched.
 */
export function summaryHtml(study: StudyDetail, plots: ReportFile[], notes: ReadonlyMap<number, TrialNote> = new Map()): string {
  const names = Object.keys(study.space);
  const best = study.best;
  const stat = (r: DescribeRow) =>
    `<tr><td>${esc(r.column)}</td><td>${r.count}</td>${[r.mean, r.std, r.min, r.q25, r.q50, r.q75, r.max].map((v) => `<td>${num(v)}</td>`).join('')}<td>${r.unique ?? ''}</td><td>${esc(r.top ?? '')}</td><td>${r.freq ?? ''}</td></tr>`;
  const samplers = new Map(study.trials.map((t) => [t.number, samplerOf(t, notes.get(t.number))]));
  const withSampler = [...samplers.values()].some((v) => v !== undefined);
  const trialRows = study.trials
    .map((t) => {
      const note = notes.get(t.number);
      const words = stateWords({ state: t.state, prunedAt: t.state === 'pruned' ? lastStep(t.intermediate) : undefined, reason: note?.reason });
      const title = t.state === 'failed' && note?.reason ? ` title="${esc(note.reason)}"` : '';
      const sampler = withSampler ? `<td>${esc(samplers.get(t.number) ?? '')}</td>` : '';
      return `<tr class="${t.state}"><td>${t.number}</td><td class="state"${title}>${esc(words)}</td>${sampler}<td>${num(t.value)}</td>${names.map((n) => `<td>${esc(t.params[n])}</td>`).join('')}<td>${Object.keys(t.intermediate).length}</td><td>${esc(t.runId ?? '')}</td></tr>`;
    })
    .join('\n');
  const figures = plots.map((p, i) => `<figure>${inlineSvg(p.content, `plot${i}`)}</figure>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Study ${esc(study.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f4f4f4}td.state{text-align:left;max-width:40em;overflow-wrap:anywhere}tr.pruned{color:#777}tr.failed{color:#c00}figure{display:inline-block;margin:1em;max-width:100%;overflow-x:auto}@media print{figure{break-inside:avoid}}</style></head>
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
<table><tr><th>number</th><th>state</th>${withSampler ? '<th>sampler</th>' : ''}<th>value</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>reports</th><th>run</th></tr>
${trialRows}</table>
</body></html>
`;
}

/** The report as one self-contained HTML page (plots inline). */
export async function renderReport(study: StudyDetail, opts: ReportOptions = {}): Promise<string> {
  return summaryHtml(study, await renderPlots(study, opts), opts.trialNotes);
}

/** The report as files: the self-contained index.html, and each plot again as its own SVG file. */
export async function renderReportFiles(study: StudyDetail, opts: ReportOptions = {}): Promise<ReportFile[]> {
  const plots = await renderPlots(study, opts);
  return [{ name: 'index.html', content: summaryHtml(study, plots, opts.trialNotes) }, ...plots];
}
