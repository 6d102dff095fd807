// The campaign list (/): status, last and next run, the activity in error; a status filter and
// a search by name, both kept in the URL so a reload shows the same list.
'use strict';

(() => {
  const { api, el, when, app, flash } = Baton;
  const statuses = ['', 'draft', 'scheduled', 'live', 'paused', 'stopped', 'completed', 'closed',
    'archived'];
  const params = new URLSearchParams(window.location.search);
  let all = [];

  const filter = el('select', { id: 'status-filter', 'aria-label': 'Status' },
    statuses.map((s) => el('option', { value: s, selected: s === (params.get('status') || '') },
      s || 'every status')));
  const search = el('input', { id: 'search', type: 'search', placeholder: 'Search by name',
    value: params.get('q') || '', 'aria-label': 'Search by name' });
  const body = el('tbody');
  const table = el('table', { id: 'campaigns', class: 'grid' },
    el('thead', {}, el('tr', {}, ['Name', 'Id', 'Status', 'Last run', 'Next run', 'In error']
      .map((h) => el('th', {}, h)))), body);

  function draw() {
    const q = search.value.trim().toLowerCase();
    const shown = all.filter((c) => !q || c.name.toLowerCase().includes(q));
    body.replaceChildren(...shown.map((c) => el('tr', { 'data-id': c.id },
      el('td', {}, el('a', { href: `/campaigns/${encodeURIComponent(c.id)}` }, c.name || c.id)),
      el('td', { class: 'mono' }, c.id),
      el('td', {}, el('span', { class: `badge s-${c.status}` }, c.status)),
      el('td', {}, c.lastRun ? `#${c.lastRun.run} ${c.lastRun.status} · ${when(c.lastRun.startedAt)}`
        : '—'),
      el('td', {}, when(c.nextRun)),
      el('td', { class: c.error ? 'error' : '' },
        c.error ? `${c.error.activity}: ${c.error.message}` : ''))));
    if (!shown.length) body.append(el('tr', {}, el('td', { colspan: 6, class: 'muted' },
      'No campaign matches.')));
  }

  async function load() {
    const u = new URLSearchParams();
    if (filter.value) u.set('status', filter.value);
    if (search.value.trim()) u.set('q', search.value.trim());
    window.history.replaceState(null, '', u.toString() ? `/?${u}` : '/');
    try {
      all = await api('GET', `/api/v1/campaigns${filter.value ? `?status=${filter.value}` : ''}`);
      draw();
    } catch (e) { flash(e.message, 'error'); }
  }

  filter.addEventListener('change', load);
  search.addEventListener('input', () => { load(); });
  app().replaceChildren(el('h1', {}, 'Campaigns'),
    el('div', { class: 'toolbar' }, filter, search), table);
  load();
  // Statuses change as runs start and end: the list follows the event stream.
  const source = new EventSource('/api/v1/events');
  source.onmessage = Baton.throttle(load, 1000);
})();
