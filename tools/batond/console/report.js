// A campaign's report (/campaigns/{id}/report): the figures of each channel activity, a funnel
// (people → targeted → sent → delivered → opened → clicked) and the exclusions by reason (summed
// over the channel activities), both as SVG bars.
'use strict';

(() => {
  const { api, el, svg, flash, count, app, campaign } = Baton;
  const steps = [['people', 'People'], ['targeted', 'Targeted'], ['sent', 'Sent'],
    ['delivered', 'Delivered'], ['uniqueOpens', 'Opened'], ['uniqueClicks', 'Clicked']];
  const figures = ['activity', 'channel', 'people', 'targeted', 'sent', 'delivered', 'bounced',
    'errors', 'excluded', 'opens', 'uniqueOpens', 'clicks', 'uniqueClicks', 'ctr', 'unsubscribes'];

  // Horizontal bars: rows [[key, label, value]], each a <g class="bar" data-KEYATTR=key>.
  function bars(id, label, keyAttr, rows, lw) {
    const top = Math.max(1, ...rows.map((r) => r[2]));
    const bw = 520; const bh = 26;
    return svg('svg', { id, width: lw + bw + 90, height: Math.max(1, rows.length) * (bh + 8),
      role: 'img', 'aria-label': label },
    rows.map(([k, name, v], i) => {
      const w = Math.max(1, Math.round((v / top) * bw));
      return svg('g', { transform: `translate(0,${i * (bh + 8)})`, class: 'bar', [keyAttr]: k },
        svg('text', { x: 0, y: bh - 8 }, name),
        svg('rect', { x: lw, y: 0, width: w, height: bh, rx: 3 }),
        svg('text', { x: lw + w + 6, y: bh - 8, class: 'count' }, count(v)));
    }));
  }

  function funnel(total) {
    return bars('funnel', 'Funnel', 'data-step',
      steps.map(([k, name]) => [k, name, Number(total[k] || 0)]), 90);
  }

  function exclusions(activities) {
    const by = {};
    for (const a of activities)
      for (const [reason, n] of Object.entries(a.exclusions || {})) by[reason] = (by[reason] || 0) + Number(n);
    const rows = Object.entries(by).sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, k, v]);
    if (!rows.length) return el('p', { id: 'exclusions-none' }, 'No exclusions.');
    return bars('exclusions', 'Exclusions by reason', 'data-reason', rows, 140);
  }

  async function load() {
    try {
      const r = await api('GET', `/api/v1/campaigns/${campaign}/report`);
      const total = r.total || {};
      app().replaceChildren(
        el('h1', {}, `Report · ${r.name || campaign}`),
        el('p', {}, el('a', { href: `/campaigns/${campaign}` }, '← canvas')),
        el('h2', {}, 'Funnel'), funnel(total),
        el('h2', {}, 'Exclusions by reason'), exclusions(r.activities || []),
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
