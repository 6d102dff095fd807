// The event log (/events): the last events matching the filters (campaign, type, actor), and a
// follow mode that adds each new one as it is appended (Server-Sent Events).
'use strict';

(() => {
  const { api, el, flash, when, app } = Baton;
  const params = new URLSearchParams(window.location.search);
  const input = (id, label) => el('input', { id, type: 'text', placeholder: label,
    'aria-label': label, value: params.get(id) || '' });
  const fCampaign = input('campaign', 'Campaign id');
  const fType = input('type', 'Event type');
  const fActor = input('actor', 'Actor');
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
    if (fCampaign.value.trim()) u.set('campaign', fCampaign.value.trim());
    if (fType.value.trim()) u.set('type', fType.value.trim());
    if (fActor.value.trim()) u.set('actor', fActor.value.trim());
    return u;
  }

  async function load() {
    if (source) { source.close(); source = null; }
    const u = query({});
    window.history.replaceState(null, '', u.toString() ? `/events?${u}` : '/events');
    try {
      const r = await fetch(`/api/v1/events?${query({ last: 200 })}`, { credentials: 'same-origin' });
      const text = await r.text();
      if (!r.ok) throw new Error(JSON.parse(text).error.what);
      const events = text.split('\n').filter((l) => l).map((l) => JSON.parse(l));
      body.replaceChildren(...events.reverse().map(row));
    } catch (e) { flash(e.message, 'error'); return; }
    if (!follow.checked) return;
    source = new EventSource(`/api/v1/events?${query({})}`);
    source.onmessage = (m) => {
      const e = JSON.parse(m.data);
      if (fActor.value.trim() && e.actor !== fActor.value.trim()) return;
      body.prepend(row(e));
      while (body.children.length > 1000) body.lastChild.remove();
    };
  }

  for (const f of [fCampaign, fType, fActor]) f.addEventListener('change', load);
  follow.addEventListener('change', load);
  app().replaceChildren(el('h1', {}, 'Events'),
    el('div', { class: 'toolbar' }, fCampaign, fType, fActor,
      el('label', {}, follow, ' follow')),
    el('table', { id: 'events', class: 'grid' },
      el('thead', {}, el('tr', {}, ['Seq', 'Time', 'Stream', 'Type', 'Actor', 'What']
        .map((h) => el('th', {}, h)))), body));
  load();
})();
