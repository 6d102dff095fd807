// The campaign list (/): status, dimension, last and next run, the activity in error; filters by
// status, by date (created or last run within [since, until], whole UTC days) and a search by
// name, all kept in the URL so a reload shows the same list; the actions the user's role allows
// on each row (duplicate and delete for managers, archive for approvers).
'use strict';

(() => {
  const { api, el, when, app, flash, atLeast } = Baton;
  const statuses = ['', 'draft', 'scheduled', 'live', 'paused', 'stopped', 'completed', 'closed',
    'archived'];
  // What a row offers, and the least role the engine lets do it (model/security.cpp).
  const actions = [['duplicate', 'manager'], ['archive', 'approver'], ['delete', 'manager']];
  const params = new URLSearchParams(window.location.search);
  let all = [];

  const filter = el('select', { id: 'status-filter', 'aria-label': 'Status' },
    statuses.map((s) => el('option', { value: s, selected: s === (params.get('status') || '') },
      s || 'every status')));
  const search = el('input', { id: 'search', type: 'search', placeholder: 'Search by name',
    value: params.get('q') || '', 'aria-label': 'Search by name' });
  const day = (id, label) => el('input', { id, type: 'date', 'aria-label': label, title: label,
    value: params.get(id) || '' });
  const since = day('since', 'Created or last run since (UTC day)');
  const until = day('until', 'Created or last run until (UTC day)');
  const body = el('tbody');
  const mine = actions.filter(([, r]) => atLeast(r));
  const heads = ['Name', 'Id', 'Status', 'Dimension', 'Last run', 'Next run', 'In error'];
  const table = el('table', { id: 'campaigns', class: 'grid' },
    el('thead', {}, el('tr', {}, [...heads, ...(mine.length ? ['Actions'] : [])]
      .map((h) => el('th', {}, h)))), body);

  // Whether the campaign was created, or last ran, within the chosen days.
  function inDates(c) {
    const from = since.value ? `${since.value}T00:00:00` : '';
    const to = until.value ? `${until.value}T23:59:59.999999Z` : '';
    if (!from && !to) return true;
    const dates = [c.createdAt, c.lastRun && c.lastRun.startedAt].filter((t) => t);
    return dates.some((t) => (!from || t >= from) && (!to || t <= to));
  }

  async function act(c, verb) {
    if (verb === 'delete' && !window.confirm(`Delete ${c.name || c.id}?`)) return;
    try {
      const r = await api('POST', `/api/v1/campaigns/${encodeURIComponent(c.id)}/${verb}`, {});
      flash(verb === 'duplicate' && r && r.id ? `duplicate: ${c.id} copied as ${r.id}`
        : `${verb}: ${c.id} done`, 'info');
    } catch (e) { flash(`${verb}: ${e.message}`, 'error'); }
    load();
  }

  function draw() {
    const q = search.value.trim().toLowerCase();
    const shown = all.filter((c) => (!q || c.name.toLowerCase().includes(q)) && inDates(c));
    body.replaceChildren(...shown.map((c) => el('tr', { 'data-id': c.id },
      el('td', {}, el('a', { href: `/campaigns/${encodeURIComponent(c.id)}` }, c.name || c.id)),
      el('td', { class: 'mono' }, c.id),
      el('td', {}, el('span', { class: `badge s-${c.status}` }, c.status)),
      el('td', { class: 'dimension' }, c.dimension || '—'),
      el('td', {}, c.lastRun ? `#${c.lastRun.run} ${c.lastRun.status} · ${when(c.lastRun.startedAt)}`
        : '—'),
      el('td', {}, when(c.nextRun)),
      el('td', { class: c.error ? 'error' : '' },
        c.error ? `${c.error.activity}: ${c.error.message}` : ''),
      mine.length ? el('td', { class: 'actions' }, mine.map(([v]) => el('button',
        { type: 'button', 'data-verb': v, onclick: () => act(c, v) }, v))) : null)));
    if (!shown.length) body.append(el('tr', {}, el('td', { colspan: heads.length + 1,
      class: 'muted' }, 'No campaign matches.')));
  }

  async function load() {
    const u = new URLSearchParams();
    if (filter.value) u.set('status', filter.value);
    if (search.value.trim()) u.set('q', search.value.trim());
    if (since.value) u.set('since', since.value);
    if (until.value) u.set('until', until.value);
    window.history.replaceState(null, '', u.toString() ? `/?${u}` : '/');
    try {
      all = await api('GET', `/api/v1/campaigns${filter.value ? `?status=${filter.value}` : ''}`);
      draw();
    } catch (e) { flash(e.message, 'error'); }
  }

  filter.addEventListener('change', load);
  search.addEventListener('input', () => { load(); });
  for (const d of [since, until]) d.addEventListener('change', load);
  app().replaceChildren(el('h1', {}, 'Campaigns'),
    el('div', { class: 'toolbar' }, filter, search,
      el('label', {}, 'since ', since), el('label', {}, 'until ', until)), table);
  load();
  // Statuses change as runs start and end: the list follows the event stream.
  const source = new EventSource('/api/v1/events');
  source.onmessage = Baton.throttle(load, 1000);
})();
