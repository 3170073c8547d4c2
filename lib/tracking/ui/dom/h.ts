// A tiny DOM builder: text only (never innerHTML), so nothing a run logged can become markup.

/** What an element builder takes as children. */
export type Child = Node | string | number | false | null | undefined | readonly Child[];

/** Attributes; `on<event>` values are listeners, `false`/`null`/`undefined` leave the attribute out. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: never) => void)>;

function add(el: Element, c: Child): void {
  if (c === undefined || c === null || c === false) return;
  if (Array.isArray(c)) for (const x of c as readonly Child[]) add(el, x);
  else el.append(c instanceof Node ? c : String(c));
}

// A study page builds thousands of elements: no entries array, closure or text node made per element.
function fill<E extends Element>(el: E, attrs: Attrs | undefined, children: readonly Child[]): E {
  if (attrs) {
    for (const k in attrs) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) add(el, c);
  return el;
}

/** An HTML element: h('a', {href: '#/'}, 'Experiments'). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): SVGElementTagNameMap[K] {
  return fill(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}
