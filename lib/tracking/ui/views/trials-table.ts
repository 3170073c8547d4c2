// The trials table of a study (or of runs being compared): sortable by any column with the mouse or
// the keyboard (each header is a button), the best trial marked, long values cut with a tooltip.
import { bestTrial, type Study } from '../core/study';
import { compareBy, trialColumns, type SortDir } from '../core/table';
import { h } from '../dom/h';

/** The table; `render()` rebuilds its rows in place. */
export class TrialsTable {
  /** The scrolling container of the table. */
  readonly el: HTMLElement = h('div', { class: 'scroll' });
  private sort: { id: string; dir: SortDir } | undefined;

  /** Shows the trials in `visible` (all when undefined). */
  render(study: Study, visible?: ReadonlySet<string>): void {
    const cols = trialColumns(study);
    // Default order: best objective first.
    const sort = this.sort ?? { id: 'value', dir: study.direction === 'maximize' ? 'desc' : 'asc' };
    const col = cols.find((c) => c.id === sort.id) ?? cols[0]!;
    const best = bestTrial(study);
    const rows = study.trials.filter((t) => !visible || visible.has(t.runId)).sort(compareBy(col, sort.dir));
    const header = cols.map((c) =>
      h(
        'th',
        { scope: 'col', class: c.num ? 'num' : '', 'aria-sort': c.id === col.id ? (sort.dir === 'asc' ? 'ascending' : 'descending') : null, title: c.group ? `${c.group} ${c.label}` : c.label },
        h('button', { type: 'button', class: 'sort', 'data-col': c.id, onclick: () => this.resort(study, visible, c.id) }, c.label),
      ),
    );
    const groups = (['param', 'metric'] as const).map((g) => {
      const n = cols.filter((c) => c.group === g).length;
      return n ? h('th', { colspan: n, class: 'group' }, g === 'param' ? 'Parameters' : 'Metrics (latest)') : null;
    });
    const lead = cols.findIndex((c) => c.group);
    // Thousands of cells for a large study: made with the plain DOM calls (no attribute object to
    // walk, the text set directly), which is about twice as fast as h() per cell, into one
    // fragment; each column's kind is looked up once, not per cell.
    const kinds = cols.map((c, i) => (i === 0 ? 'link' : c.id === 'state' ? 'state' : c.num ? 'num' : 'text'));
    const body = document.createDocumentFragment();
    for (const t of rows) {
      const tr = document.createElement('tr');
      tr.className = t === best ? `${t.state} best` : t.state;
      tr.setAttribute('data-run-id', t.runId);
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i]!;
        const kind = kinds[i]!;
        const td = document.createElement('td');
        if (kind === 'link') {
          const a = document.createElement('a');
          a.href = `#/runs/${t.runId}`;
          a.textContent = t.number !== undefined ? `trial ${t.number}` : t.name;
          td.append(a);
        } else if (kind === 'state') {
          td.className = 'state';
          const span = document.createElement('span');
          span.className = `state ${t.state}`;
          if (t.reason) span.title = t.reason;
          span.textContent = c.show ? c.show(t) : String(c.get(t) ?? '');
          td.append(span);
        } else {
          const text = c.show ? c.show(t) : String(c.get(t) ?? '');
          td.className = kind;
          if (text.length > 24) td.title = text;
          td.textContent = text;
        }
        tr.append(td);
      }
      body.append(tr);
    }
    this.el.replaceChildren(
      h(
        'table',
        { class: 'trials' },
        h('thead', {}, lead > 0 ? h('tr', { class: 'groups' }, h('th', { colspan: lead }), groups) : null, h('tr', {}, header)),
        h('tbody', {}, body),
      ),
    );
    this.el.setAttribute('data-rows', String(rows.length));
  }

  private resort(study: Study, visible: ReadonlySet<string> | undefined, id: string): void {
    const cur = this.sort ?? { id: 'value', dir: study.direction === 'maximize' ? 'desc' : 'asc' };
    this.sort = { id, dir: cur.id === id && cur.dir === 'asc' ? 'desc' : 'asc' };
    this.render(study, visible);
    (this.el.querySelector(`button.sort[data-col="${CSS.escape(id)}"]`) as HTMLButtonElement | null)?.focus();
  }
}
