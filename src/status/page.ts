/**
 * The status page: static HTML plus a small dependency-free script that fetches the JSON API and draws
 * the charts as inline SVG. Kept as strings in a module (not files) so that `tsc` output is complete
 * without a copy step, and served by the plugin itself: no CDN, the page works offline.
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pronghorn status</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
  header { background: #23395d; color: #fff; padding: 10px 20px; display: flex; align-items: baseline; gap: 16px; }
  header h1 { font-size: 18px; margin: 0; }
  header .meta { opacity: .8; font-size: 12px; }
  main { padding: 16px 20px; max-width: 1200px; }
  section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
  h2 { font-size: 16px; margin: 0 0 8px; }
  h3 { font-size: 14px; margin: 12px 0 6px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  th { font-weight: 600; color: #4a5568; font-size: 12px; }
  tr.selected td { background: #eaf1fb; }
  a { color: #2359a8; text-decoration: none; }
  .good { color: #1f7a3a; } .bad { color: #b3261e; }
  .charts { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; }
  .empty { color: #8a94a6; font-style: italic; }
  #error { display: none; background: #fdecea; color: #b3261e; border: 1px solid #f5c2c0; padding: 8px 12px; margin-bottom: 12px; border-radius: 6px; }
  svg text { font: 11px system-ui, sans-serif; fill: #4a5568; }
  #decisions th, #decisions td { text-align: left; }
  .legend { font-size: 12px; color: #4a5568; margin-top: 4px; }
  .legend span { display: inline-block; width: 18px; border-top: 2px dashed; vertical-align: middle; margin: 0 4px 0 12px; }
  td.detail { text-align: left; white-space: normal; font-family: ui-monospace, monospace; font-size: 12px; }
</style>
</head>
<body>
<header><h1>Pronghorn status</h1><span class="meta" id="updated">loading…</span></header>
<main>
  <div id="error"></div>
  <section>
    <h2>Actions</h2>
    <table id="actions">
      <thead><tr><th>action</th><th>activations</th><th>cold starts</th><th>restores</th><th>snapshots</th><th>best request #</th><th>improvement vs fixed:1</th></tr></thead>
      <tbody><tr><td colspan="7" class="empty">loading…</td></tr></tbody>
    </table>
  </section>
  <section id="detail" style="display:none">
    <h2 id="detail-title"></h2>
    <div class="charts">
      <div><h3>Warm-up curve: mean execution latency by request number</h3><div id="curve-chart"></div>
        <div class="legend"><span style="border-color:#2359a8;border-top-style:solid"></span>learned curve<span style="border-color:#d08a1d"></span>snapshot in the pool<span style="border-color:#1f7a3a"></span>best snapshot</div></div>
      <div><h3>Expected latency per request over a worker lifetime</h3><div id="baseline-chart"></div><div id="baseline-note" class="meta"></div></div>
    </div>
    <h3>Snapshot pool</h3>
    <table id="pool"><thead><tr><th>snapshot</th><th>request #</th><th>node</th><th>size MB</th><th>dump ms</th><th>restore ms</th><th>expected ms/request</th><th>created</th></tr></thead><tbody></tbody></table>
    <h3>Decisions (newest first)</h3>
    <table id="decisions"><thead><tr><th>time</th><th>kind</th><th>detail</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script src="status/app.js"></script>
</body>
</html>
`;

/** Plain ES2017 for the browser; no backticks inside so that it can live in this template string. */
export const PAGE_SCRIPT = `(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var REFRESH_MS = 5000;
  var selected = null;
  var timer = null;
  var base = location.pathname.replace(/\\/status\\/?$/, '/');

  function el(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    var d = digits === undefined ? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2) : digits;
    return Number(x).toFixed(d);
  }
  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function showError(msg) {
    var box = document.getElementById('error');
    box.textContent = msg || '';
    box.style.display = msg ? 'block' : 'none';
  }
  function getJson(path) {
    return fetch(base + path, { headers: { accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + r.status);
        return body;
      });
    });
  }
  function niceTicks(lo, hi, count) {
    if (!(hi > lo)) return [lo];
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
    var err = (hi - lo) / count / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  function drawCurve(host, data) {
    host.innerHTML = '';
    var pts = data.curve.filter(function (p) { return p.count > 0; });
    if (pts.length === 0) { host.innerHTML = '<p class="empty">no latency observed yet</p>'; return; }
    var W = 720, H = 300, L = 56, R = 16, T = 12, B = 40;
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', 'class': 'curve', 'data-points': pts.length });
    var nMax = Math.max.apply(null, pts.map(function (p) { return p.n; }).concat(data.pool.map(function (s) { return s.requestNumber; })));
    var logX = nMax > 200;
    var xf = logX ? function (n) { return Math.log10(Math.max(1, n)); } : function (n) { return n; };
    var x0 = logX ? 0 : Math.min(0, pts[0].n), x1 = Math.max(xf(nMax), x0 + 1);
    var yMax = Math.max.apply(null, pts.map(function (p) { return p.meanMs; })) * 1.08 || 1;
    function X(n) { return L + (xf(n) - x0) / (x1 - x0) * (W - L - R); }
    function Y(v) { return T + (1 - v / yMax) * (H - T - B); }
    niceTicks(0, yMax, 5).forEach(function (v) {
      svg.appendChild(el('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v), stroke: '#eef0f3' }));
      svg.appendChild(el('text', { x: L - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
    });
    var xt = logX ? [1, 10, 100, 1000, 10000, 100000, 1000000].filter(function (v) { return v <= nMax * 1.01; }) : niceTicks(x0, nMax, 8);
    xt.forEach(function (v) {
      svg.appendChild(el('line', { x1: X(v), x2: X(v), y1: H - B, y2: H - B + 4, stroke: '#8a94a6' }));
      svg.appendChild(el('text', { x: X(v), y: H - B + 16, 'text-anchor': 'middle' }, String(v)));
    });
    svg.appendChild(el('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#8a94a6' }));
    svg.appendChild(el('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#8a94a6' }));
    svg.appendChild(el('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle' }, 'request number' + (logX ? ' (log scale)' : '')));
    svg.appendChild(el('text', { x: 12, y: (T + H - B) / 2, transform: 'rotate(-90 12 ' + (T + H - B) / 2 + ')', 'text-anchor': 'middle' }, 'ms'));
    var best = data.baselines ? data.baselines.bestRequestNumber : -1;
    data.pool.forEach(function (s) {
      var isBest = s.requestNumber === best;
      svg.appendChild(el('line', { 'class': 'snapshot-marker', x1: X(s.requestNumber), x2: X(s.requestNumber), y1: T, y2: H - B,
        stroke: isBest ? '#1f7a3a' : '#d08a1d', 'stroke-dasharray': '4 3', 'stroke-width': isBest ? 2 : 1 }));
    });
    var d = pts.map(function (p, i) { return (i ? 'L' : 'M') + X(p.n).toFixed(1) + ' ' + Y(p.meanMs).toFixed(1); }).join(' ');
    svg.appendChild(el('path', { 'class': 'curve-line', d: d, fill: 'none', stroke: '#2359a8', 'stroke-width': 1.5 }));
    if (pts.length <= 400) {
      pts.forEach(function (p) {
        var c = el('circle', { 'class': 'curve-point', cx: X(p.n).toFixed(1), cy: Y(p.meanMs).toFixed(1), r: 2, fill: '#2359a8' });
        c.appendChild(el('title', {}, 'n=' + p.n + ': ' + fmt(p.meanMs) + ' ms (' + p.count + ' observations)'));
        svg.appendChild(c);
      });
    }
    host.appendChild(svg);
  }

  function drawBaselines(host, note, data) {
    host.innerHTML = '';
    var b = data.baselines;
    if (!b) { host.innerHTML = '<p class="empty">no estimate yet</p>'; note.textContent = ''; return; }
    var rows = [['cold', b.coldMs, '#8a94a6'], ['fixed:1', b.fixed1Ms, '#d08a1d'], ['pronghorn', b.pronghornMs, '#1f7a3a']];
    var W = 360, H = 150, L = 80, R = 60, rowH = 36;
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', 'class': 'baselines' });
    var max = Math.max(b.coldMs, b.fixed1Ms, b.pronghornMs) || 1;
    rows.forEach(function (r, i) {
      var y = 12 + i * rowH;
      var w = Math.max(1, r[1] / max * (W - L - R));
      svg.appendChild(el('text', { x: L - 8, y: y + 16, 'text-anchor': 'end' }, r[0]));
      svg.appendChild(el('rect', { 'class': 'baseline-bar', x: L, y: y, width: w.toFixed(1), height: 22, fill: r[2] }));
      svg.appendChild(el('text', { x: L + w + 6, y: y + 16 }, fmt(r[1]) + ' ms'));
    });
    host.appendChild(svg);
    note.textContent = 'best start: ' + (b.bestRequestNumber === 0 ? 'cold' : 'snapshot at request ' + b.bestRequestNumber) +
      '; estimated improvement over fixed:1: ' + fmt(b.improvementPct, 1) + ' %; worker lifetime ' + b.lifetimeRequests + ' requests' +
      (data.observedMs && data.observedMs.count > 0 ? '; measured mean execution latency ' + fmt(data.observedMs.meanMs) + ' ms over ' + data.observedMs.count + ' activations (start costs excluded)' : '');
  }

  function renderDetail(data) {
    document.getElementById('detail').style.display = '';
    document.getElementById('detail-title').textContent = data.summary.action;
    drawCurve(document.getElementById('curve-chart'), data);
    drawBaselines(document.getElementById('baseline-chart'), document.getElementById('baseline-note'), data);
    var pool = document.querySelector('#pool tbody');
    pool.innerHTML = '';
    if (data.pool.length === 0) cell(pool.appendChild(document.createElement('tr')), 'no snapshots', 'empty').colSpan = 8;
    data.pool.forEach(function (s) {
      var tr = pool.appendChild(document.createElement('tr'));
      cell(tr, s.snapshotId); cell(tr, String(s.requestNumber)); cell(tr, s.node); cell(tr, fmt(s.bytes / 1048576, 1));
      cell(tr, fmt(s.dumpMs)); cell(tr, s.restoreMs > 0 ? fmt(s.restoreMs) : '–'); cell(tr, fmt(s.expectedMs));
      cell(tr, new Date(s.createdAt).toLocaleTimeString());
    });
    var dec = document.querySelector('#decisions tbody');
    dec.innerHTML = '';
    if (data.decisions.length === 0) cell(dec.appendChild(document.createElement('tr')), 'no decisions logged', 'empty').colSpan = 3;
    data.decisions.forEach(function (d) {
      var tr = dec.appendChild(document.createElement('tr'));
      var rest = {};
      for (var k in d) if (k !== 'at' && k !== 'kind') rest[k] = d[k];
      cell(tr, new Date(d.at).toLocaleTimeString()); cell(tr, d.kind); cell(tr, JSON.stringify(rest), 'detail');
    });
  }

  function renderOverview(data) {
    var body = document.querySelector('#actions tbody');
    body.innerHTML = '';
    if (data.actions.length === 0) {
      cell(body.appendChild(document.createElement('tr')), 'no actions yet: opt one in with  wsk action update NAME -a pronghorn true', 'empty').colSpan = 7;
      return;
    }
    data.actions.forEach(function (a) {
      var tr = body.appendChild(document.createElement('tr'));
      tr.setAttribute('data-action', a.action);
      if (a.action === selected) tr.className = 'selected';
      var link = document.createElement('a');
      link.href = '#' + encodeURIComponent(a.action);
      link.textContent = a.action;
      var td = document.createElement('td'); td.appendChild(link); tr.appendChild(td);
      cell(tr, String(a.activations)); cell(tr, String(a.coldStarts)); cell(tr, String(a.restores)); cell(tr, String(a.snapshots));
      cell(tr, a.bestRequestNumber === null ? '–' : a.bestRequestNumber === 0 ? 'cold' : String(a.bestRequestNumber));
      var imp = a.improvementPct;
      cell(tr, imp === null ? '–' : fmt(imp, 1) + ' %', imp === null ? '' : imp > 0.5 ? 'good' : imp < -0.5 ? 'bad' : '');
    });
  }

  function refresh() {
    getJson('api/status').then(function (data) {
      document.getElementById('updated').textContent = 'updated ' + new Date(data.generatedAt).toLocaleTimeString() + ' · refreshes every 5 s';
      var fromHash = decodeURIComponent(location.hash.slice(1));
      var names = data.actions.map(function (a) { return a.action; });
      selected = names.indexOf(fromHash) >= 0 ? fromHash : names.length ? names[0] : null;
      renderOverview(data);
      if (!selected) { document.getElementById('detail').style.display = 'none'; return null; }
      return getJson('api/status/' + encodeURIComponent(selected)).then(renderDetail);
    }).then(function () { showError(''); }, function (err) { showError('status unavailable: ' + err.message); })
      .then(function () { clearTimeout(timer); timer = setTimeout(refresh, REFRESH_MS); });
  }
  window.addEventListener('hashchange', function () { clearTimeout(timer); refresh(); });
  refresh();
})();
`;
