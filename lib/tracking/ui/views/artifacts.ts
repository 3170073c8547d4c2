// A run's artifacts: a tree opened directory by directory, every file downloadable, and shown inline
// where it can be: images and SVG, HTML in a sandboxed frame, JSON indented, CSV as a table, text
// (MLmodel included); anything else is a download.
import type { FileInfo, Run } from '../../types';
import { artifactKind, parseCsv } from '../core/csv';
import { fmtNum } from '../core/format';
import { artifactText, artifactUrl, listArtifacts } from '../dom/api';
import { h } from '../dom/h';

const TEXT_LIMIT = 1024 * 1024;
const CSV_ROWS = 500;

/** The inline view of one artifact. */
export async function artifactViewer(run: Run, path: string): Promise<HTMLElement> {
  const url = artifactUrl(run, path);
  const kind = artifactKind(path);
  const card = h('section', { class: 'viewer', 'data-path': path, 'data-kind': kind, 'aria-label': `artifact ${path}` }, h('h3', {}, path, ' ', h('a', { href: url, download: path.split('/').pop() }, 'download')));
  if (kind === 'image') card.append(h('img', { src: url, alt: path }));
  else if (kind === 'html') card.append(h('iframe', { src: url, sandbox: 'allow-scripts', title: path, loading: 'lazy' }));
  else if (kind === 'binary') card.append(h('p', { class: 'muted' }, 'no preview for this kind of file'));
  else {
    const { text, truncated } = await artifactText(run, path, TEXT_LIMIT);
    const note = truncated ? h('p', { class: 'muted' }, `showing the first ${fmtNum(TEXT_LIMIT)} bytes`) : null;
    if (kind === 'csv' || kind === 'tsv') {
      const { rows, more } = parseCsv(text, CSV_ROWS + 1, kind === 'tsv' ? '\t' : ',');
      const [head, ...body] = rows;
      card.append(
        h('div', { class: 'scroll' }, h('table', { class: 'csv' }, h('thead', {}, h('tr', {}, (head ?? []).map((c) => h('th', {}, c)))), h('tbody', {}, body.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))))),
      );
      if (more || truncated) card.append(h('p', { class: 'muted' }, `showing the first ${body.length} rows`));
    } else {
      let shown = text;
      if (kind === 'json' && !truncated) {
        try {
          shown = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          // Not valid JSON: shown as it is.
        }
      }
      card.append(h('pre', { class: `text ${kind}` }, shown));
      if (note) card.append(note);
    }
  }
  return card;
}

/** The artifact tree of a run below `path` (`listed`: its files, when already asked for); viewing a file shows it in `pane`. */
export async function artifactTree(run: Run, path: string, pane: HTMLElement, listed?: readonly FileInfo[]): Promise<HTMLElement> {
  const files = listed ?? (await listArtifacts(run, path));
  if (files.length === 0 && !path) return h('p', { class: 'muted' }, 'no artifacts');
  const show = async (p: string) => {
    pane.replaceChildren(h('p', { class: 'muted' }, `loading ${p}…`));
    try {
      pane.replaceChildren(await artifactViewer(run, p));
    } catch (e) {
      pane.replaceChildren(h('div', { class: 'error', role: 'alert' }, `${p}: ${(e as Error).message}`));
    }
  };
  return h(
    'ul',
    { class: 'artifacts' },
    files.map((f) => {
      const name = f.path.split('/').pop() ?? f.path;
      if (f.is_dir) {
        const li = h('li', {});
        const button = h(
          'button',
          {
            type: 'button',
            class: 'dir',
            'aria-expanded': 'false',
            onclick: async () => {
              const open = button.getAttribute('aria-expanded') !== 'true';
              button.setAttribute('aria-expanded', String(open));
              li.querySelector('ul, p')?.remove();
              if (open) li.append(await artifactTree(run, f.path, pane));
            },
          },
          `${name}/`,
        );
        li.append(button);
        return li;
      }
      return h(
        'li',
        {},
        h('button', { type: 'button', class: 'file', 'data-path': f.path, onclick: () => void show(f.path) }, name),
        h('span', { class: 'size' }, `${fmtNum(f.file_size)} B`),
        h('a', { href: artifactUrl(run, f.path), download: name, class: 'download', 'aria-label': `download ${name}` }, '⤓'),
      );
    }),
  );
}
