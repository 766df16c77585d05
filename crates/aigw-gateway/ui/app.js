// The dashboard: four pages over the admin API (/admin/…), with the admin key from the cookie
// the login page set. Plain JS, no bundler: it is embedded in the gateway binary.
'use strict';

const $ = (id) => document.getElementById(id);
const adminKey = decodeURIComponent((document.cookie.split('; ').find((c) => c.startsWith('aigw_admin=')) || '=').split('=').slice(1).join('='));

function signOut() {
  document.cookie = 'aigw_admin=; path=/ui; max-age=0; SameSite=Strict';
  location.reload();
}

async function api(method, path, body) {
  const init = { method, headers: { Authorization: 'Bearer ' + adminKey } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch('/admin' + path, init);
  if (r.status === 401) { signOut(); throw new Error('signed out'); }
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((answer.error && answer.error.message) || ('HTTP ' + r.status));
  return answer;
}

function notice(message) {
  const n = $('notice');
  n.textContent = message || '';
  n.hidden = !message;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c ?? ''));
  return e;
}

const usd = (v) => '$' + Number(v).toFixed(Number(v) < 1 ? 4 : 2);
const num = (v) => Number(v).toLocaleString('en-US');
const ms = (v) => (v === null || v === undefined ? '—' : v + ' ms');

// ---------- Keys ----------

function limitsText(l) {
  const parts = [];
  if (l.rpm) parts.push(l.rpm + ' rpm');
  if (l.tpm) parts.push(l.tpm + ' tpm');
  if (l.max_concurrency) parts.push(l.max_concurrency + ' at once');
  return parts.join(', ') || 'none';
}

let keysCache = [];

async function loadKeys() {
  const list = await api('GET', '/keys');
  keysCache = list.data;
  const body = $('keys-table').querySelector('tbody');
  body.replaceChildren(...list.data.map((k) => {
    const actions = el('td');
    if (k.source !== 'config' && k.status !== 'revoked') {
      actions.append(el('button', { class: 'small', 'data-edit': k.id, onclick: () => editKey(k) }, 'Edit'), ' ');
      const revoke = el('button', { class: 'small danger', 'data-revoke': k.id }, 'Revoke');
      revoke.addEventListener('click', async () => {
        // Two clicks: the first asks, the second revokes.
        if (revoke.dataset.armed !== 'yes') { revoke.dataset.armed = 'yes'; revoke.textContent = 'Confirm revoke'; return; }
        try { await api('POST', '/keys/' + encodeURIComponent(k.id) + '/revoke'); await loadKeys(); } catch (e) { notice(e.message); }
      });
      actions.append(revoke);
    }
    return el('tr', { 'data-key': k.id },
      el('td', {}, k.name), el('td', {}, el('code', {}, k.id)),
      el('td', {}, el('span', { class: 'badge ' + k.status }, k.status)),
      el('td', {}, k.models.length ? k.models.join(', ') : 'any'),
      el('td', {}, limitsText(k.limits)),
      el('td', {}, k.budget ? usd(k.budget.max_usd) + ' / ' + k.budget.period : 'none'),
      el('td', {}, k.created_at.slice(0, 16).replace('T', ' ')), actions);
  }));
  const select = $('spend-key');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'all keys'), ...list.data.map((k) => el('option', { value: k.id }, k.name + ' (' + k.id + ')')));
  select.value = chosen;
}

function intOrNull(id) {
  const v = $(id).value.trim();
  return v === '' ? null : Number(v);
}

function keyBody() {
  const limits = {};
  for (const [field, id] of [['rpm', 'key-rpm'], ['tpm', 'key-tpm'], ['max_concurrency', 'key-conc']]) {
    const v = intOrNull(id);
    if (v !== null) limits[field] = v;
  }
  const models = $('key-models').value.split(',').map((m) => m.trim()).filter(Boolean);
  const budget = $('key-budget').value.trim();
  const body = {
    name: $('key-name').value.trim(), models, limits,
    budget: budget ? { max_usd: budget, period: $('key-period').value } : null,
  };
  const expires = $('key-expires').value.trim();
  if (expires) body.expires_in = expires;
  return body;
}

function editKey(k) {
  $('key-edit-id').value = k.id;
  $('key-form-title').textContent = 'Edit ' + k.name;
  $('key-submit').textContent = 'Save';
  $('key-cancel').hidden = false;
  $('key-name').value = k.name;
  $('key-models').value = k.models.join(', ');
  $('key-rpm').value = k.limits.rpm || '';
  $('key-tpm').value = k.limits.tpm || '';
  $('key-conc').value = k.limits.max_concurrency || '';
  $('key-budget').value = k.budget ? k.budget.max_usd : '';
  if (k.budget) $('key-period').value = k.budget.period;
  $('key-expires').value = '';
  $('key-name').focus();
}

function resetKeyForm() {
  $('key-form').reset();
  $('key-edit-id').value = '';
  $('key-form-title').textContent = 'Create a key';
  $('key-submit').textContent = 'Create key';
  $('key-cancel').hidden = true;
}

async function submitKey(e) {
  e.preventDefault();
  notice('');
  const id = $('key-edit-id').value;
  const body = keyBody();
  try {
    if (id) {
      await api('PATCH', '/keys/' + encodeURIComponent(id), body);
    } else {
      if (!body.budget) delete body.budget;
      const created = await api('POST', '/keys', body);
      $('secret-value').textContent = created.secret;
      $('copy-state').textContent = '';
      $('new-secret').hidden = false;
    }
    resetKeyForm();
    await loadKeys();
  } catch (err) { notice(err.message); }
}

async function copySecret() {
  const text = $('secret-value').textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    // Without the clipboard API (plain http on another host): select it for Ctrl+C.
    const range = document.createRange();
    range.selectNodeContents($('secret-value'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.execCommand('copy');
  }
  $('copy-state').textContent = 'Copied.';
}

// ---------- Spend ----------

const dayText = (d) => d.toISOString().slice(0, 10);

async function loadSpend(e) {
  if (e) e.preventDefault();
  if (!$('spend-from').value) {
    const now = new Date();
    $('spend-to').value = dayText(now);
    $('spend-from').value = dayText(new Date(now.getTime() - 29 * 86400000));
  }
  const from = $('spend-from').value, to = $('spend-to').value;
  const until = new Date(new Date(to + 'T00:00:00Z').getTime() + 86400000).toISOString();
  const q = (by) => '/usage?by=' + by + '&since=' + encodeURIComponent(from + 'T00:00:00Z') +
    '&until=' + encodeURIComponent(until) + '&key=' + encodeURIComponent($('spend-key').value);
  try {
    const [days, keys, models] = await Promise.all([api('GET', q('day')), api('GET', q('key')), api('GET', q('model'))]);
    const total = { requests: 0, errors: 0, cost: 0, input: 0, output: 0, cached: 0, reasoning: 0, unpriced: 0 };
    for (const r of days.rows) {
      total.requests += r.requests; total.errors += r.errors; total.cost += Number(r.cost_usd);
      total.input += r.input_tokens; total.output += r.output_tokens;
      total.cached += r.cache_read_tokens + r.cache_write_tokens; total.reasoning += r.reasoning_tokens;
      total.unpriced += r.unpriced_requests;
    }
    $('spend-totals').replaceChildren(...[
      ['Cost', usd(total.cost)], ['Requests', num(total.requests)], ['Errors', num(total.errors)],
      ['Input tokens', num(total.input)], ['Output tokens', num(total.output)],
      ['Cached tokens', num(total.cached)], ['Reasoning tokens', num(total.reasoning)],
      ['Unpriced requests', num(total.unpriced)],
    ].map(([label, value]) => el('div', { 'data-total': label }, el('b', {}, value), el('span', {}, label))));
    // Every day of the range, zero when nothing was spent.
    const byDay = new Map(days.rows.map((r) => [r.group, r]));
    const points = [];
    for (let t = new Date(from + 'T00:00:00Z').getTime(); t <= new Date(to + 'T00:00:00Z').getTime(); t += 86400000) {
      const day = dayText(new Date(t));
      const r = byDay.get(day);
      points.push({ label: day, value: r ? Number(r.cost_usd) : 0, title: r ? usd(r.cost_usd) + ', ' + r.requests + ' requests' : 'nothing' });
    }
    const names = new Map(keysCache.map((k) => [k.id, k.name]));
    window.aigwCharts.seriesChart($('spend-series'), points, usd);
    const item = (r, label) => ({ label, value: Number(r.cost_usd), title: usd(r.cost_usd) + ', ' + r.requests + ' requests' });
    window.aigwCharts.barsChart($('spend-keys'), keys.rows.map((r) => item(r, names.get(r.group) || r.group)), usd, 8);
    window.aigwCharts.barsChart($('spend-models'), models.rows.map((r) => item(r, r.group)), usd, 8);
  } catch (err) { notice(err.message); }
}

// ---------- Requests ----------

async function loadRequests(e) {
  if (e) e.preventDefault();
  const params = new URLSearchParams();
  for (const [name, id] of [['key', 'req-key'], ['model', 'req-model'], ['status', 'req-status'], ['losses', 'req-losses'], ['limit', 'req-limit']]) {
    const v = $(id).value.trim();
    if (v) params.set(name, v);
  }
  try {
    const list = await api('GET', '/requests?' + params);
    const body = $('requests-table').querySelector('tbody');
    const rows = [];
    for (const r of list.data) {
      const target = r.provider ? r.provider + '/' + r.model : '';
      const route = r.requested_model + (target && target !== r.requested_model ? ' → ' + target : '');
      const cls = r.status < 400 ? 'ok' : r.status < 500 ? 'warn' : 'bad';
      const detail = el('tr', { class: 'detail', hidden: '' }, el('td', { colspan: 8 }, requestDetail(r)));
      const row = el('tr', { class: 'request', 'data-request': r.request_id, 'data-losses': r.loss_count },
        el('td', {}, new Date(r.time_ms).toISOString().slice(5, 19).replace('T', ' ')),
        el('td', {}, el('span', { class: 'badge ' + cls }, r.status)),
        el('td', {}, r.key_id || '—'), el('td', { class: 'route', title: r.api + ': ' + route }, r.api + ': ' + route),
        el('td', {}, ms(r.latency_ms)), el('td', {}, ms(r.ttfb_ms)),
        el('td', {}, r.cost_usd === null ? 'unknown' : usd(r.cost_usd)),
        el('td', {}, r.loss_count ? el('span', { class: 'badge warn' }, r.loss_count + ' lost ▸') : 'none'));
      row.addEventListener('click', () => { detail.hidden = !detail.hidden; });
      rows.push(row, detail);
    }
    if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'No requests match.')));
    body.replaceChildren(...rows);
  } catch (err) { notice(err.message); }
}

function requestDetail(r) {
  const box = el('div', {});
  box.append(el('p', {}, 'Request ', el('code', {}, r.request_id), ' · tokens in ', r.input_tokens ?? '—',
    ', out ', r.output_tokens ?? '—', ', cached ', (r.cache_read_tokens ?? 0) + (r.cache_write_tokens ?? 0),
    ', reasoning ', r.reasoning_tokens ?? '—', ' · fallbacks ', r.fallbacks));
  if (r.loss_list.length) {
    box.append(el('table', { class: 'losses' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Lost field (JSON pointer)'), el('th', {}, 'Kind'), el('th', {}, 'Why'))),
      el('tbody', {}, ...r.loss_list.map((l) => el('tr', { 'data-pointer': l.pointer },
        el('td', {}, el('code', {}, l.pointer)), el('td', {}, el('span', { class: 'badge warn' }, l.kind)), el('td', {}, l.reason))))));
  } else {
    box.append(el('p', { class: 'muted' }, 'Nothing was lost.'));
  }
  return box;
}

// ---------- Health ----------

async function loadHealth() {
  try {
    const health = await api('GET', '/health');
    $('health-scope').textContent = '(' + health.scope + ')';
    const cards = health.routes.map((route) => el('div', { class: 'card', 'data-route': route.route },
      el('h3', {}, route.route),
      ...route.groups.map((g) => el('div', { class: 'scroll' }, el('table', {},
        el('thead', {}, el('tr', {}, ...['Member (' + g.strategy + ')', 'Breaker', 'Key', 'EWMA latency', 'In flight', 'Error rate', 'Weight'].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...g.members.map((m) => el('tr', {},
          el('td', {}, m.provider + '/' + m.model + (m.key ? ' · ' + m.key : '')),
          el('td', {}, el('span', { class: 'badge ' + m.breaker }, m.breaker + (m.open_for_secs ? ' (' + m.open_for_secs.toFixed(0) + ' s)' : ''))),
          el('td', {}, m.key_status),
          el('td', {}, m.latency_ms === null ? '—' : m.latency_ms.toFixed(0) + ' ms'),
          el('td', {}, m.in_flight),
          el('td', {}, (m.error_rate * 100).toFixed(1) + ' %'),
          el('td', {}, m.weight)))))))));
    if (!cards.length) cards.push(el('p', { class: 'muted' }, 'No routes are configured: requests name provider/model directly.'));
    $('health-routes').replaceChildren(...cards);
  } catch (err) { notice(err.message); }
}

// ---------- Navigation ----------

const pages = { keys: loadKeys, spend: loadSpend, requests: loadRequests, health: loadHealth };

async function show() {
  const name = pages[location.hash.slice(1)] ? location.hash.slice(1) : 'keys';
  notice('');
  if (name !== 'keys') {
    // A new key's secret is shown once: leaving the page forgets it.
    $('new-secret').hidden = true;
    $('secret-value').textContent = '';
  }
  for (const p of Object.keys(pages)) {
    $('page-' + p).hidden = p !== name;
    $('nav-' + p).classList.toggle('active', p === name);
  }
  try {
    if (name !== 'keys' && !keysCache.length) await loadKeys();
    await pages[name]();
  } catch (err) { notice(err.message); }
  document.body.dataset.loaded = name;
}

$('logout').addEventListener('click', signOut);
$('key-form').addEventListener('submit', submitKey);
$('key-cancel').addEventListener('click', resetKeyForm);
$('copy-secret').addEventListener('click', copySecret);
$('spend-form').addEventListener('submit', loadSpend);
$('requests-form').addEventListener('submit', loadRequests);
window.addEventListener('hashchange', show);
show();
