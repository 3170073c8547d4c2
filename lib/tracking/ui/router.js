// Routes the URL hash to a page and shows errors instead of a blank screen.
(function () {
  'use strict';
  const { h } = window.dojoUi;
  const pages = window.dojoPages;

  async function route() {
    const hash = window.location.hash.replace(/^#/, '') || '/';
    const [path, qs] = hash.split('?');
    const query = new window.URLSearchParams(qs || '');
    try {
      let m;
      if ((m = /^\/experiments\/([^/]+)$/.exec(path))) await pages.runsPage(decodeURIComponent(m[1]), query);
      else if ((m = /^\/runs\/([0-9a-zA-Z]+)$/.exec(path))) await pages.runPage(m[1]);
      else await pages.experimentsPage();
    } catch (e) {
      pages.show(h('h1', {}, 'Error'), h('div', { class: 'error', role: 'alert' }, e.message), h('p', {}, h('a', { href: '#/' }, 'back to experiments')));
    }
    document.body.setAttribute('data-ready', hash);
  }

  window.addEventListener('hashchange', route);
  route();
})();
