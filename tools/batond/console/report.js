// A campaign's report (/campaigns/{id}/report): the figures of each channel activity and a
// funnel (people → targeted → sent → delivered → opened → clicked) as SVG bars.
'use strict';

(() => {
  const { api, el, svg, flash, count, app, campaign } = Baton;
  const steps = [['people', 'People'], ['targeted', 'Targeted'], ['sent', 'Sent'],
    ['delivered', 'Delivered'], ['uniqueOpens', 'Opened'], ['uniqueClicks', 'Clicked']];
  const figures = ['activity', 'channel', 'people', 'targeted', 'sent', 'delivered', 'bounced',
    'errors', 'excluded', 'opens', 'uniqueOpens', 'clicks', 'uniqueClicks', 'ctr', 'unsubscribes'];

  function funnel(total) {
    const top = Math.max(1, ...steps.map(([k]) => Number(total[k] || 0)));
    const bw = 520; const bh = 26; const lw = 90;
    return svg('svg', { id: 'funnel', width: lw + bw + 90, height: steps.length * (bh + 8),
      role: 'img', 'aria-label': 'Funnel' },
    steps.map(([k, name], i) => {
      const v = Number(total[k] || 0);
      const w = Math.max(1, Math.round((v / top) * bw));
      return svg('g', { transform: `translate(0,${i * (bh + 8)})`, class: 'bar', 'data-step': k },
        svg('text', { x: 0, y: bh - 8 }, name),
        svg('rect', { x: lw, y: 0, width: w, height: bh, rx: 3 }),
        svg('text', { x: lw + w + 6, y: bh - 8, class: 'count' }, count(v)));
    }));
  }

  async function load() {
    try {
      const r = await api('GET', `/api/v1/campaigns/${campaign}/report`);
      const total = r.total || {};
      app().replaceChildren(
        el('h1', {}, `Report · ${r.name || campaign}`),
        el('p', {}, el('a', { href: `/campaigns/${campaign}` }, '← canvas')),
        el('h2', {}, 'Funnel'), funnel(total),
        el('h2', {}, 'Channel activities'),
        el('table', { id: 'report', class: 'grid' },
          el('thead', {}, el('tr', {}, figures.map((f) => el('th', {}, f)))),
          el('tbody', {}, (r.activities || []).map((a) => el('tr', {},
            figures.map((f) => el('td', {}, typeof a[f] === 'number' ? count(a[f]) : a[f] ?? ''))))),
          el('tfoot', {}, el('tr', {}, figures.map((f, i) =>
            el('th', {}, i === 0 ? 'total' : (typeof total[f] === 'number' ? count(total[f]) : '')))))));
    } catch (e) { flash(e.message, 'error'); }
  }
  load();
})();
