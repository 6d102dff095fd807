// A campaign's canvas (/campaigns/{id}): the graph as inline SVG in left-to-right layers, each
// activity with its task state and count, each transition with its count; live from the event
// stream; a click on an activity shows its options, counts, errors and logs; the lifecycle
// buttons the user's role allows; and time travel: a range input over the campaign's events
// that redraws the canvas from the server-side fold at that event (who did what).
'use strict';

(() => {
  const { api, el, svg, flash, when, count, app, campaign, atLeast, throttle } = Baton;
  const W = 180; const H = 64; const GX = 90; const GY = 34; const PAD = 24;
  const verbs = [
    ['test', 'manager'], ['submit', 'manager'], ['approve', 'approver'], ['publish', 'approver'],
    ['start', 'approver'], ['pause', 'approver'], ['resume', 'approver'], ['stop', 'manager'],
    ['close', 'approver'], ['back-to-draft', 'approver'], ['archive', 'approver'],
    ['duplicate', 'manager'], ['delete', 'manager']];
  let entries = [];
  let view = null;       // the last /state reply drawn
  let selected = null;   // the activity whose details are shown
  let live = true;       // the slider is at the end: follow the stream

  const title = el('h1', {}, campaign);
  const status = el('span', { id: 'campaign-status', class: 'badge' });
  const buttons = el('div', { id: 'actions', class: 'toolbar' });
  const canvas = el('div', { id: 'canvas', class: 'canvas' });
  const details = el('aside', { id: 'details', class: 'details' },
    el('p', { class: 'muted' }, 'Click an activity to see its options, counts and errors.'));
  const slider = el('input', { id: 'time-travel', type: 'range', min: 0, max: 0, value: 0,
    step: 1, 'aria-label': 'Time travel over the campaign events' });
  const when_at = el('div', { id: 'time-travel-label', class: 'mono' }, 'now');

  // Layers from the sources (the longest path to each activity), ordered in each layer by the
  // mean position of their predecessors so that edges cross less.
  function layout(graph) {
    const preds = new Map(graph.nodes.map((n) => [n.id, []]));
    for (const e of graph.edges) if (preds.has(e.to)) preds.get(e.to).push(e.from);
    const layer = new Map();
    for (const n of graph.nodes) {  // graph.nodes come in topological order
      const ps = preds.get(n.id).filter((p) => layer.has(p));
      layer.set(n.id, ps.length ? Math.max(...ps.map((p) => layer.get(p))) + 1 : 0);
    }
    const layers = [];
    for (const n of graph.nodes) (layers[layer.get(n.id)] ||= []).push(n.id);
    const pos = new Map();
    layers.forEach((ids, x) => {
      const rank = (id) => {
        const ps = preds.get(id).filter((p) => pos.has(p));
        return ps.length ? ps.reduce((a, p) => a + pos.get(p).row, 0) / ps.length : 0;
      };
      ids.sort((a, b) => rank(a) - rank(b));
      ids.forEach((id, row) => pos.set(id, { x: PAD + x * (W + GX), y: PAD + row * (H + GY), row }));
    });
    const rows = Math.max(1, ...layers.map((l) => l.length));
    return { pos, width: PAD * 2 + layers.length * (W + GX) - GX, height: PAD * 2 + rows * (H + GY) - GY };
  }

  function edgeView(e, pos) {
    const a = pos.get(e.from); const b = pos.get(e.to);
    if (!a || !b) return null;
    const x1 = a.x + W; const y1 = a.y + H / 2; const x2 = b.x; const y2 = b.y + H / 2;
    const mx = (x1 + x2) / 2;
    const label = `${e.output} ${count(e.count)}`;
    const lw = 8 + label.length * 7;
    const ly = (y1 + y2) / 2;
    return svg('g', { class: 'edge', 'data-from': e.from, 'data-to': e.to, 'data-output': e.output },
      svg('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, 'marker-end': 'url(#arrow)' }),
      svg('rect', { x: mx - lw / 2, y: ly - 10, width: lw, height: 20, rx: 4 }),
      svg('text', { x: mx, y: ly + 4, 'text-anchor': 'middle', class: 'count' }, label));
  }

  function nodeView(n, pos) {
    const p = pos.get(n.id);
    const name = n.id.length > 22 ? `${n.id.slice(0, 21)}…` : n.id;
    return svg('g', { class: `node s-${n.status}${selected === n.id ? ' selected' : ''}`,
      'data-id': n.id, transform: `translate(${p.x},${p.y})`, tabindex: 0,
      onclick: () => { selected = n.id; draw(); } },
    svg('title', {}, n.label || n.id),
    svg('rect', { width: W, height: H, rx: 8 }),
    svg('text', { x: 10, y: 20, class: 'name' }, name),
    svg('text', { x: 10, y: 38, class: 'type' }, `${n.type} · `,
      svg('tspan', { class: 'state' }, n.status)),
    svg('text', { x: 10, y: 55, class: 'in' }, `in ${count(n.countIn)}`));
  }

  function drawGraph(graph) {
    const { pos, width, height } = layout(graph);
    const root = svg('svg', { id: 'graph', width, height, viewBox: `0 0 ${width} ${height}`,
      role: 'img', 'aria-label': 'Campaign graph' },
    svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5,
      markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z' }))),
    graph.edges.map((e) => edgeView(e, pos)), graph.nodes.map((n) => nodeView(n, pos)));
    canvas.replaceChildren(root);
  }

  function drawDetails() {
    if (!selected || !view) return;
    const def = (view.definition && view.definition.activities || []).find((a) => a.id === selected);
    const runs = view.campaign.runs;
    const task = runs.length ? runs[runs.length - 1].tasks.find((t) => t.activity === selected) : null;
    const rows = [];
    if (task) {
      rows.push(['status', task.status], ['started', when(task.startedAt)], ['ended', when(task.endedAt)],
        ['count in', count(task.countIn)]);
      for (const [o, c] of Object.entries(task.outputs)) rows.push([`→ ${o}`, count(c)]);
      if (task.error) rows.push(['error', task.error]);
    }
    details.replaceChildren(el('h2', {}, selected),
      el('table', { class: 'kv' }, rows.map(([k, v]) => el('tr', {}, el('th', {}, k),
        el('td', { class: k === 'error' ? 'error' : '' }, v)))),
      task && task.logs ? el('div', {}, el('h3', {}, 'Logs'),
        el('pre', { class: 'logs' }, task.logs.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'))) : null,
      el('h3', {}, 'Options'),
      el('pre', { id: 'activity-options', class: 'options' }, def ? JSON.stringify(def, null, 2) : '—'));
  }

  function draw() {
    if (!view) return;
    const c = view.campaign;
    title.textContent = c.name || c.id;
    status.textContent = c.status;
    status.className = `badge s-${c.status}`;
    drawGraph(view.graph);
    drawDetails();
  }

  async function loadState(seq) {
    try {
      view = await api('GET', `/api/v1/campaigns/${campaign}/state${seq ? `?seq=${seq}` : ''}`);
      draw();
    } catch (e) { flash(e.message, 'error'); }
  }

  function showEntry() {
    const i = Number(slider.value);
    if (i >= entries.length) { when_at.textContent = `now · ${entries.length} events`; return; }
    const h = entries[i];
    when_at.textContent = `#${h.seq} ${when(h.time)} · ${h.actor || '—'} · ${h.text.replace(/^\S+\s+\S+\s+/, '')}`;
  }

  async function loadHistory() {
    try {
      entries = await api('GET', `/api/v1/campaigns/${campaign}/history`);
      const atEnd = live;
      slider.max = entries.length;
      if (atEnd) slider.value = entries.length;
      showEntry();
    } catch (e) { flash(e.message, 'error'); }
  }

  slider.addEventListener('input', () => {
    const i = Number(slider.value);
    live = i >= entries.length;
    showEntry();
    travel();
  });
  const travel = throttle(() => {
    const i = Number(slider.value);
    loadState(i >= entries.length ? 0 : entries[i].seq);
  }, 150);

  async function act(verb) {
    const body = {};
    if (verb === 'reject') body.reason = window.prompt('Why is it rejected?') || '';
    try {
      const r = await api('POST', `/api/v1/campaigns/${campaign}/${verb}`, body);
      if (verb === 'duplicate' && r && r.id) window.location.assign(`/campaigns/${r.id}`);
      else if (verb === 'delete') window.location.assign('/');
      else flash(`${verb}: done`, 'info');
    } catch (e) { flash(`${verb}: ${e.message}`, 'error'); }
  }
  Baton.act = act;

  buttons.replaceChildren(...verbs.filter(([, r]) => atLeast(r)).map(([v]) =>
    el('button', { type: 'button', 'data-verb': v, onclick: () => act(v) }, v)),
  el('a', { href: `/campaigns/${campaign}/report`, class: 'button' }, 'Report'),
  el('a', { href: `/events?campaign=${campaign}`, class: 'button' }, 'Events'));

  app().replaceChildren(el('div', { class: 'title' }, title, status), buttons,
    el('div', { class: 'travel' }, el('label', { for: 'time-travel' }, 'Time travel'), slider, when_at),
    el('div', { class: 'workspace' }, canvas, details));

  // Live: every event of the campaign redraws the canvas from the fold (while at the end).
  const refresh = throttle(() => { if (live) loadState(0); loadHistory(); }, 200);
  const source = new EventSource(`/api/v1/events?campaign=${encodeURIComponent(campaign)}`);
  source.onmessage = refresh;
  loadState(0);
  loadHistory();
})();
