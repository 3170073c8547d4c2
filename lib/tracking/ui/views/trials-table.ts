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
    // walk, the text set directly), which is about twice as fast as h() per cell.
    const body = rows.map((t) => {
      const tr = document.createElement('tr');
      tr.className = `${t.state}${t === best ? ' best' : ''}`;
      tr.setAttribute('data-run-id', t.runId);
      cols.forEach((c, i) => {
        const text = c.show ? c.show(t) : String(c.get(t) ?? '');
        const td = document.createElement('td');
        if (i === 0) td.append(h('a', { href: `#/runs/${t.runId}` }, t.number !== undefined ? `trial ${t.number}` : t.name));
        else if (c.id === 'state') {
          td.className = 'state';
          td.append(h('span', { class: `state ${t.state}`, title: t.reason ?? null }, text));
        } else {
          td.className = c.num ? 'num' : 'text';
          if (text.length > 24) td.title = text;
          td.textContent = text;
        }
        tr.append(td);
      });
      return tr;
    });
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
