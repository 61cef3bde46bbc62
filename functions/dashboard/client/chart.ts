// Browser code: a small SVG line chart with a time axis ending "now" (as long as the data, whole
// minutes, at most spec.windowMs), a zero-based value axis with rounded gridlines, gaps where a value
// is null, and an HTML legend with each series' latest value.

export const CHART_SCRIPT = String.raw`
var SVG_NS = 'http://www.w3.org/2000/svg';
var CHART_HEIGHT = 150;
var CHART_MARGIN = { left: 46, right: 10, top: 10, bottom: 22 };

function svg(tag, attrs, text) {
  var node = document.createElementNS(SVG_NS, tag);
  Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The smallest of 1, 2, 2.5, 5 x 10^k that is >= value (at least minimum). */
function niceCeiling(value, minimum) {
  var v = Math.max(value, minimum);
  var power = Math.pow(10, Math.floor(Math.log10(v)));
  var steps = [1, 2, 2.5, 5, 10];
  for (var i = 0; i < steps.length; i++) if (steps[i] * power >= v) return steps[i] * power;
  return 10 * power;
}

/** The plotted time span: the data's span rounded up to whole minutes, between 1 minute and maxMs. */
function chartWindowMs(spanMs, maxMs) {
  return Math.min(maxMs, Math.max(60000, Math.ceil(spanMs / 60000) * 60000));
}

function agoLabel(ms) {
  if (ms === 0) return 'now';
  var seconds = Math.round(ms / 1000);
  var minutes = Math.floor(seconds / 60);
  return '-' + (minutes ? minutes + 'm' : '') + (seconds % 60 ? (seconds % 60) + 's' : '');
}

function axisLabel(value) {
  if (value === 0) return '0';
  if (value >= 1000) return (value / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 }) + 'k';
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 0.1 ? 3 : 2 });
}

/**
 * Draws into host (replacing what was there). spec: {points: [{atMs, ...}], windowMs, series:
 * [{label, key, format}], emptyText, minimumMax}. Series colours are --series-1.. in order.
 */
function drawChart(host, spec) {
  var width = Math.max(220, host.clientWidth || 320);
  var height = CHART_HEIGHT;
  var m = CHART_MARGIN;
  var plotW = width - m.left - m.right;
  var plotH = height - m.top - m.bottom;
  var points = spec.points;
  var nowMs = points.length ? points[points.length - 1].atMs : Date.now();
  var windowMs = chartWindowMs(points.length ? nowMs - points[0].atMs : 0, spec.windowMs);
  var startMs = nowMs - windowMs;
  var max = 0, any = false;
  points.forEach(function (p) {
    spec.series.forEach(function (s) {
      var v = p[s.key];
      if (v !== null && v !== undefined && p.atMs >= startMs) { any = true; if (v > max) max = v; }
    });
  });
  var top = niceCeiling(max * 1.1, spec.minimumMax || 1);
  var x = function (atMs) { return m.left + ((atMs - startMs) / windowMs) * plotW; };
  var y = function (v) { return m.top + plotH - (v / top) * plotH; };

  var root = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
  for (var i = 0; i <= 4; i++) {
    var value = (top * i) / 4;
    var gy = y(value);
    root.appendChild(svg('line', { x1: m.left, x2: width - m.right, y1: gy, y2: gy, class: 'grid-line' }));
    if (any) root.appendChild(svg('text', { x: m.left - 6, y: gy + 3, 'text-anchor': 'end', class: 'axis' }, axisLabel(value)));
  }
  var stepMs = windowMs <= 60000 ? 15000 : windowMs <= 120000 ? 30000 : 60000;
  for (var ago = windowMs; ago >= 0; ago -= stepMs) {
    var anchor = ago === windowMs ? 'start' : ago === 0 ? 'end' : 'middle';
    root.appendChild(svg('text', { x: x(nowMs - ago), y: height - 6, 'text-anchor': anchor, class: 'axis' }, agoLabel(ago)));
  }
  spec.series.forEach(function (s, index) {
    var d = '', pen = false;
    points.forEach(function (p) {
      var v = p[s.key];
      if (p.atMs < startMs || v === null || v === undefined) { pen = false; return; }
      d += (pen ? 'L' : 'M') + x(p.atMs).toFixed(1) + ' ' + y(Math.min(v, top)).toFixed(1);
      pen = true;
    });
    if (d) root.appendChild(svg('path', { d: d, class: 'series series-' + (index + 1) }));
  });
  if (!any) {
    var lines = (spec.emptyText || 'no data yet').split('\n');
    lines.forEach(function (line, i) {
      root.appendChild(svg('text', { x: m.left + plotW / 2, y: m.top + plotH / 2 + (i - (lines.length - 1) / 2) * 16, 'text-anchor': 'middle', class: i ? 'empty detail' : 'empty' }, line));
    });
  }

  var latest = points.length ? points[points.length - 1] : null;
  // A series with no value at all (not reported here) leaves the legend while another one has data.
  var legend = el('div', { class: 'legend' }, spec.series.map(function (s, index) {
    if (any && !points.some(function (p) { return p[s.key] !== null && p[s.key] !== undefined; })) return null;
    var v = latest ? latest[s.key] : null;
    return el('span', null, [el('span', { class: 'swatch swatch-' + (index + 1) }), s.label + ' ', el('b', { text: s.format(v) })]);
  }));
  replaceChildren(host, [root, legend]);
}
`;
