// Baton console: what every page shares — the API client (session cookie + X-CSRF-Token on
// every change), small DOM helpers, and the messages bar. No framework, nothing from outside.
'use strict';

const Baton = (() => {
  const meta = (name) => {
    const m = document.querySelector(`meta[name="${name}"]`);
    return m ? m.content : '';
  };
  const roles = ['none', 'viewer', 'manager', 'approver', 'admin'];
  const csrf = meta('csrf-token');
  const role = meta('baton-role');

  // One API call; resolves to the parsed JSON reply, rejects with the API's error words.
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') {
      headers['X-CSRF-Token'] = csrf;
      headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status === 401) {
      window.location.assign('/signin');
      throw new Error('signed out');
    }
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!r.ok) {
      const e = json && json.error ? json.error : { where: '', what: `HTTP ${r.status}` };
      const err = new Error((e.where ? `${e.where}: ` : '') + e.what);
      err.status = r.status;
      throw err;
    }
    return json;
  }

  // el('a', {href: '/x', class: 'y'}, 'text', child...): attributes are set, never HTML parsed.
  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }

  function svg(tag, attrs, ...children) {
    const n = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }

  // The messages bar under the header: what the last action did, or why it was refused.
  function flash(text, kind) {
    let bar = document.getElementById('flash');
    if (!bar) {
      bar = el('div', { id: 'flash', role: 'status' });
      document.body.insertBefore(bar, document.getElementById('app'));
    }
    bar.className = kind || 'info';
    bar.textContent = text;
  }

  const atLeast = (needed) => roles.indexOf(role) >= roles.indexOf(needed);
  const when = (t) => (t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
  const count = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en'));
  const app = () => document.getElementById('app');
  const page = document.body.dataset.page;
  const campaign = document.body.dataset.campaign;

  // Calls `fn` at most once per `ms`, the last call winning.
  function throttle(fn, ms) {
    let timer = null;
    let again = false;
    return function run() {
      if (timer) { again = true; return; }
      fn();
      timer = setTimeout(() => { timer = null; if (again) { again = false; run(); } }, ms);
    };
  }

  return { api, el, svg, flash, atLeast, when, count, app, page, campaign, role, csrf, throttle };
})();
