// The event log (/events): the last events matching the filters (campaign, type, run, activity,
// actor, since, until: a time such as 2026-12-07T20:00:00Z or @SEQ), and a follow mode that adds
// each new matching one as it is appended (Server-Sent Events, filtered by batond the same way).
'use strict';

(() => {
  const { el, flash, when, app } = Baton;
  const params = new URLSearchParams(window.location.search);
  const input = (id, label, size) => el('input', { id, type: 'text', placeholder: label,
    'aria-label': label, value: params.get(id) || '', size });
  const fields = [
    input('campaign', 'Campaign id', 12), input('type', 'Event type', 14), input('run', 'Run', 4),
    input('activity', 'Activity', 10), input('actor', 'Actor', 8),
    input('since', 'Since (time or @seq)', 18), input('until', 'Until (time or @seq)', 18)];
  const follow = el('input', { id: 'follow', type: 'checkbox', checked: params.get('follow') !== '0' });
  const body = el('tbody');
  let source = null;

  function summary(p) {
    if (!p || typeof p !== 'object') return '';
    return Object.entries(p).filter(([k]) => k !== 'definition' && k !== 'logs')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ').slice(0, 240);
  }

  function row(e) {
    return el('tr', { 'data-seq': e.seq, class: e.type === 'permission_refused' ? 'refused' : '' },
      el('td', { class: 'mono' }, e.seq), el('td', {}, when(e.time)),
      el('td', { class: 'mono' }, e.stream), el('td', {}, e.type), el('td', {}, e.actor),
      el('td', { class: 'mono small' }, summary(e.payload)));
  }

  function query(extra) {
    const u = new URLSearchParams(extra);
    for (const f of fields) if (f.value.trim()) u.set(f.id, f.value.trim());
    return u;
  }

  async function load() {
    if (source) { source.close(); source = null; }
    const u = query({});
    if (!follow.checked) u.set('follow', '0');
    window.history.replaceState(null, '', u.toString() ? `/events?${u}` : '/events');
    try {
      const r = await fetch(`/api/v1/events?${query({ last: 200 })}`, { credentials: 'same-origin' });
      const text = await r.text();
      if (!r.ok) {
        const e = JSON.parse(text).error;
        throw new Error(e.where ? `${e.where}: ${e.what}` : e.what);
      }
      const events = text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
      body.replaceChildren(...events.reverse().map(row));
      flash(`${events.length} event${events.length === 1 ? '' : 's'}${follow.checked
        ? ', following' : ''}`, 'info');
    } catch (e) { flash(e.message, 'error'); return; }
    if (!follow.checked) return;
    source = new EventSource(`/api/v1/events?${query({})}`);
    source.onmessage = (m) => {
      body.prepend(row(JSON.parse(m.data)));
      while (body.children.length > 1000) body.lastChild.remove();
    };
  }

  for (const f of fields) f.addEventListener('change', load);
  follow.addEventListener('change', load);
  app().replaceChildren(el('h1', {}, 'Events'),
    el('div', { class: 'toolbar' }, fields, el('label', {}, follow, ' follow')),
    el('table', { id: 'events', class: 'grid' },
      el('thead', {}, el('tr', {}, ['Seq', 'Time', 'Stream', 'Type', 'Actor', 'What']
        .map((h) => el('th', {}, h)))), body));
  load();
})();
