/**
 * The dashboard's single page: static HTML, one small script and one style sheet, no build step
 * and no framework. The script builds every element with createElement and fills it with
 * textContent only: message contents are untrusted and never parsed as HTML.
 */

/** The page; `base` is its own path (a server-side value, escaped all the same). */
export function dashboardPage(base: string): string {
  const href = escapeAttribute(base);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Dramatiq queues</title>
<link rel="stylesheet" href="${href}/app.css">
<script src="${href}/app.js" defer></script>
</head>
<body data-base="${href}">
<header><h1>Dramatiq queues</h1><span id="health" class="badge">…</span><span id="error" role="alert"></span></header>
<main>
<section>
<h2>Queues</h2>
<table id="queues"><thead><tr><th>Queue</th><th>Ready</th><th>Delayed</th><th>Dead</th><th>Rates /s (ready, delayed, dead)</th><th>Consumers</th><th></th></tr></thead><tbody></tbody></table>
</section>
<section>
<h2>Connections</h2>
<table id="connections"><thead><tr><th>Name</th><th>Role</th><th>State</th><th>Address</th><th>Channels</th></tr></thead><tbody></tbody></table>
</section>
<section id="dead" hidden>
<h2>Dead letters of <span id="dead-queue"></span> <small id="dead-total"></small></h2>
<div class="actions">
<label><input type="checkbox" id="reset-retries"> reset retries</label>
<button type="button" id="requeue-selected">Requeue selected</button>
<button type="button" id="requeue-all">Requeue all</button>
<button type="button" id="purge" class="danger">Purge</button>
<span id="result" role="status"></span>
</div>
<table id="dead-letters"><thead><tr><th></th><th>#</th><th>Message id</th><th>Actor</th><th>Reason</th><th>Error</th><th>Attempts</th><th>When</th><th>Worker</th><th>Args</th></tr></thead><tbody></tbody></table>
<div class="pager"><button type="button" id="prev">Previous</button><button type="button" id="next">Next</button></div>
</section>
</main>
</body>
</html>
`;
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const DASHBOARD_STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:1em;align-items:center;padding:.6em 1.2em;background:#1d2330;color:#fff}
h1{font-size:1.2em;margin:0}h2{font-size:1.05em}main{padding:0 1.2em 2em}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e3e6ea;padding:.35em .5em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.args,td.error{font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all;max-width:28em}
.badge{padding:.1em .6em;border-radius:1em;background:#555}.badge.up{background:#2e7d32}.badge.degraded{background:#b26a00}.badge.down{background:#c62828}
#error{color:#ffb4b4}.actions,.pager{margin:.6em 0;display:flex;gap:.6em;align-items:center}
button{padding:.3em .8em;cursor:pointer}button.danger{color:#fff;background:#c62828;border:1px solid #8e0000}
.reason{font-weight:600}
`;

/** Runs in the browser. Plain ES2020; textContent everywhere, never innerHTML. */
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var base = document.body.getAttribute('data-base');
  var api = base + '/api';
  var state = { queue: null, offset: 0, limit: 20, next: null, items: [] };
  var $ = function (id) { return document.getElementById(id); };

  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function showError(text) { $('error').textContent = text || ''; }

  function request(method, path, body) {
    var init = { method: method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
    if (method === 'POST') {
      // The header is the cross-site protection: a form on another site cannot send it.
      init.headers['x-dramatiq-dashboard'] = '1';
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body || {});
    }
    return fetch(api + path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw new Error(data && data.message ? data.message : 'HTTP ' + res.status);
        return data;
      });
    });
  }

  function renderOverview(data) {
    var health = $('health');
    health.textContent = data.health.status + (data.health.reason ? ': ' + data.health.reason : '');
    health.className = 'badge ' + data.health.status;
    var qs = $('queues').tBodies[0];
    qs.replaceChildren();
    data.queues.forEach(function (q) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-queue', q.name);
      cell(tr, q.name);
      cell(tr, q.ready, 'num');
      cell(tr, q.delayed, 'num');
      cell(tr, q.dead, 'num dead-count');
      cell(tr, q.rates.ready + ', ' + q.rates.delayed + ', ' + q.rates.dead, 'num');
      cell(tr, q.consumers + (q.delayConsumers ? ' (+' + q.delayConsumers + ' on .DQ)' : ''), 'num');
      var td = cell(tr, q.error || '');
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Dead letters';
      button.addEventListener('click', function () { openQueue(q.name); });
      td.appendChild(button);
      qs.appendChild(tr);
    });
    var cs = $('connections').tBodies[0];
    cs.replaceChildren();
    data.connections.forEach(function (c) {
      var tr = document.createElement('tr');
      cell(tr, c.name);
      cell(tr, c.role);
      cell(tr, c.state);
      cell(tr, c.address || '');
      cell(tr, c.channels, 'num');
      cs.appendChild(tr);
    });
  }

  function refresh() {
    return request('GET', '/overview').then(function (data) { renderOverview(data); showError(''); }, function (e) { showError(e.message); });
  }

  function openQueue(name) {
    state.queue = name;
    state.offset = 0;
    $('dead').hidden = false;
    $('dead-queue').textContent = name;
    $('result').textContent = '';
    return loadDeadLetters();
  }

  function loadDeadLetters() {
    var path = '/queues/' + encodeURIComponent(state.queue) + '/dead-letters?offset=' + state.offset + '&limit=' + state.limit;
    return request('GET', path).then(function (page) {
      state.next = page.nextOffset;
      state.items = page.items;
      $('dead-total').textContent = '(' + page.total + ' in ' + page.queueName + '.XQ)';
      var body = $('dead-letters').tBodies[0];
      body.replaceChildren();
      page.items.forEach(function (d) {
        var tr = document.createElement('tr');
        tr.className = 'dead-letter';
        var pick = document.createElement('input');
        pick.type = 'checkbox';
        pick.value = d.messageId || '';
        pick.disabled = !d.messageId || !d.message;
        pick.setAttribute('aria-label', 'select ' + (d.messageId || 'message'));
        cell(tr, '').appendChild(pick);
        cell(tr, d.position, 'num');
        cell(tr, d.messageId || '-');
        cell(tr, d.actorName || '(undecodable)');
        var r = d.reason;
        cell(tr, r ? r.reason : d.death ? 'no record (RabbitMQ: ' + d.death.reason + ')' : 'no record', 'reason');
        cell(tr, r && r.error_type ? r.error_type + ': ' + (r.error_message || '') : r ? r.detail : '', 'error');
        cell(tr, r ? r.attempts : '', 'num');
        cell(tr, r && r.at ? new Date(r.at).toISOString() : '');
        cell(tr, r ? r.worker : '');
        cell(tr, d.message ? d.argsPreview : d.rawBody, 'args');
        body.appendChild(tr);
      });
      $('prev').disabled = state.offset === 0;
      $('next').disabled = state.next === null;
      showError('');
    }, function (e) { showError(e.message); });
  }

  function act(path, body, confirmText) {
    if (confirmText && !window.confirm(confirmText)) return;
    return request('POST', '/queues/' + encodeURIComponent(state.queue) + '/dead-letters/' + path, body).then(function (r) {
      $('result').textContent = 'requeued' in r
        ? 'Requeued ' + r.requeued + (r.undecodable ? ', ' + r.undecodable + ' undecodable left' : '') + (r.failed ? ', ' + r.failed + ' failed: ' + r.error : '')
        : 'Purged ' + r.purged;
      return Promise.all([refresh(), loadDeadLetters()]);
    }, function (e) { showError(e.message); });
  }

  $('requeue-selected').addEventListener('click', function () {
    var ids = Array.prototype.map.call(document.querySelectorAll('#dead-letters input:checked'), function (i) { return i.value; });
    if (ids.length === 0) { $('result').textContent = 'Select dead letters first.'; return; }
    act('requeue', { ids: ids, resetRetries: $('reset-retries').checked });
  });
  $('requeue-all').addEventListener('click', function () {
    act('requeue', { all: true, resetRetries: $('reset-retries').checked }, 'Requeue every dead letter of ' + state.queue + '?');
  });
  $('purge').addEventListener('click', function () {
    act('purge', {}, 'Delete every dead letter of ' + state.queue + '? This cannot be undone.');
  });
  $('prev').addEventListener('click', function () { state.offset = Math.max(0, state.offset - state.limit); loadDeadLetters(); });
  $('next').addEventListener('click', function () { if (state.next !== null) { state.offset = state.next; loadDeadLetters(); } });

  refresh();
  setInterval(refresh, 5000);
})();
`;
