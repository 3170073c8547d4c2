// Long values (a study's space and spec, a failure's stack) must not stretch the page: they are cut
// to a line with the full text one click (or Enter) away.
import { h } from '../dom/h';

/** The value itself when short, else a disclosure showing its start and, opened, all of it (JSON indented). */
export function longValue(text: string, max = 160): Node {
  if (text.length <= max && !text.includes('\n')) return document.createTextNode(text);
  let full = text;
  if (/^\s*[[{]/.test(text)) {
    try {
      full = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not JSON after all: shown as it is.
    }
  }
  const head = text.replace(/\s+/g, ' ').slice(0, max);
  return h('details', { class: 'long' }, h('summary', {}, h('span', { class: 'head' }, `${head}…`), h('span', { class: 'muted' }, ` (${text.length} characters)`)), h('pre', {}, full));
}
