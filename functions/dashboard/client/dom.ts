// Browser code shared by every dashboard view for the page itself: building elements (text is always
// set as text, never parsed as HTML), alerts, the connection pill, and number and time formats.

export const DOM_SCRIPT = String.raw`
function byId(id) { return document.getElementById(id); }

/** An element with attributes (class, data-*, title, ...) and children (nodes or text). */
function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (name) {
    var value = attrs[name];
    if (value === null || value === undefined || value === false) return;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  });
  (children || []).forEach(function (child) {
    if (child === null || child === undefined) return;
    node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  });
  return node;
}

function replaceChildren(node, children) {
  node.textContent = '';
  children.forEach(function (child) { if (child) node.appendChild(child); });
}

function showAlert(id, text, kind) {
  var node = byId(id);
  node.hidden = !text;
  node.textContent = text || '';
  node.className = 'alert' + (kind ? ' ' + kind : '');
}

function setText(id, text) { byId(id).textContent = text; }

var DASH = '\u2014';

function num(value) { return value === null || value === undefined ? DASH : Number(value).toLocaleString('en-US'); }

function ms(value) {
  if (value === null || value === undefined) return DASH;
  if (value === 0) return '0 ms';
  if (value < 1) return value.toFixed(2) + ' ms';
  if (value < 10) return value.toFixed(1) + ' ms';
  if (value < 1000) return Math.round(value) + ' ms';
  return (value / 1000).toFixed(1) + ' s';
}

function rate(value) {
  if (value === null || value === undefined) return DASH;
  return value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
}

function clockTime(atMs) {
  var d = new Date(atMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return String(n).padStart(2, '0'); }).join(':');
}

/** The first chars of a hash given as hex/base64 text or as a byte array. */
function shortHash(hash) {
  if (hash === null || hash === undefined || hash === '') return DASH;
  if (Array.isArray(hash)) return hash.slice(0, 6).map(function (b) { return (b & 255).toString(16).padStart(2, '0'); }).join('');
  return String(hash).slice(0, 12);
}

function preview(text, max) {
  var s = String(text).replace(/\s+/g, ' ');
  return s.length > max ? s.slice(0, max - 1) + '\u2026' : s;
}

function setConnection(state, text) {
  var pill = byId('conn');
  pill.className = 'pill ' + (state === 'live' ? 'pill-live' : state === 'bad' ? 'pill-bad' : 'pill-wait');
  pill.dataset.state = state;
  pill.textContent = text;
}
`;
