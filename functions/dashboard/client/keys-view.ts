// Browser code for the key browser's list: a prefix search (GET /v1/kv?prefix=) kept live by a watch
// from the listed revision (GET /v1/watch?prefix=&from=), or refreshed every 2 s when the server
// refuses that watch. Clicking a key selects it (key-detail-view.ts).

export const KEYS_VIEW_SCRIPT = String.raw`
var KEYS_LIMIT = 200;
var keyItems = new Map();
var keysWatch = null;
var keysRevision = 0;
var keysPrefix = '';
var selectedKey = null;

function startKeysView() {
  byId('keys-form').addEventListener('submit', function (event) {
    event.preventDefault();
    searchKeys(byId('keys-prefix').value);
  });
  byId('keys').tBodies[0].addEventListener('click', function (event) {
    var row = event.target.closest('tr');
    if (row && row.dataset.key !== undefined) selectKey(row.dataset.key);
  });
  onTokenChange(function () { searchKeys(keysPrefix); });
  searchKeys('');
}

async function searchKeys(prefix) {
  keysPrefix = prefix;
  stopKeysUpdates();
  var listed = await listKeys(prefix);
  if (!listed || prefix !== keysPrefix) return;
  keyItems = listed.items;
  keysRevision = listed.revision;
  renderKeys(null);
  keysNote('live from revision ' + num(keysRevision), listed.truncated);
  keysWatch = openStream({
    path: function () { return '/v1/watch?prefix=' + encodeURIComponent(prefix) + '&from=' + (keysRevision + 1); },
    onEvent: onKeyEvent,
    onFailure: function (failure) {
      if (failure.status === 410) { searchKeys(prefix); return 'stop'; }
      if (failure.status >= 400 && failure.status < 500) { pollKeys(prefix, errorText(failure)); return 'stop'; }
      showAlert('keys-alert', 'Live updates interrupted: ' + errorText(failure) + '; retrying');
    },
    onOpen: function () { showAlert('keys-alert', ''); },
  });
}

var keysPoll = null;

function stopKeysUpdates() {
  if (keysWatch) keysWatch.close();
  keysWatch = null;
  clearInterval(keysPoll);
  keysPoll = null;
}

/** The first KEYS_LIMIT keys under prefix as {items: Map, revision, truncated}, or null (shown as an alert). */
async function listKeys(prefix) {
  var reply = await getJson('/v1/kv?prefix=' + encodeURIComponent(prefix) + '&limit=' + KEYS_LIMIT);
  if (!reply.ok) {
    showAlert('keys-alert', 'Keys: ' + errorText(reply));
    return null;
  }
  showAlert('keys-alert', '');
  var items = new Map();
  reply.body.items.forEach(function (item) { items.set(item.key, item); });
  return { items: items, revision: reply.body.revision, truncated: Boolean(reply.body.next) };
}

/** When the server refuses this watch, the listing is refreshed instead. */
function pollKeys(prefix, reason) {
  stopKeysUpdates();
  keysNote('refreshed every 2 s (watch refused: ' + reason + ')', false);
  keysPoll = setInterval(async function () {
    var listed = await listKeys(prefix);
    if (!listed || prefix !== keysPrefix) return;
    var changed = null, selectedChanged = false;
    listed.items.forEach(function (item, key) {
      var before = keyItems.get(key);
      if (before && before.revision === item.revision) return;
      changed = key;
      if (key === selectedKey) selectedChanged = true;
    });
    keyItems = listed.items;
    keysRevision = listed.revision;
    renderKeys(changed);
    if (selectedChanged) reloadSelectedKey();
  }, 2000);
}

function keysNote(how, truncated) {
  setText('keys-note', (keysPrefix ? 'prefix "' + keysPrefix + '" \u00b7 ' : '') + how + (truncated ? ' \u00b7 first ' + KEYS_LIMIT + ' shown' : ''));
}

function onKeyEvent(type, data, id) {
  if (id !== null && Number(id) > keysRevision) keysRevision = Number(id);
  if (type !== 'put' && type !== 'delete') return;
  if (type === 'put') keyItems.set(data.key, { key: data.key, revision: data.revision, value: data.value, encoding: data.encoding });
  else keyItems.delete(data.key);
  renderKeys(type === 'put' ? data.key : null);
  if (data.key === selectedKey) onSelectedKeyEvent(type, data);
}

function valueText(item) {
  if (item.value === null || item.value === undefined) return DASH;
  if (item.encoding === 'base64') return '(binary, ' + Math.floor(item.value.length * 3 / 4) + ' bytes)';
  return item.value;
}

var keyRows = new Map();
var keysFlash = new Set();
var keysRenderPending = false;

/**
 * Schedules one render of the key list per animation frame. Rows are updated in place (a row under
 * the pointer stays the same element, so it can be clicked while the keys change).
 */
function renderKeys(flashKey) {
  if (flashKey) keysFlash.add(flashKey);
  if (keysRenderPending) return;
  keysRenderPending = true;
  requestAnimationFrame(function () {
    keysRenderPending = false;
    drawKeyRows();
  });
}

function drawKeyRows() {
  var body = byId('keys').tBodies[0];
  var keys = Array.from(keyItems.keys()).sort();
  keyRows.forEach(function (row, key) {
    if (!keyItems.has(key)) { row.remove(); keyRows.delete(key); }
  });
  var empty = body.querySelector('tr.empty');
  if (empty && keys.length) empty.remove();
  keys.forEach(function (key, i) {
    var item = keyItems.get(key);
    var row = keyRows.get(key);
    if (!row) {
      row = el('tr', { 'data-key': key }, [el('td', { class: 'mono', text: key, title: key }), el('td', { class: 'num' }), el('td')]);
      keyRows.set(key, row);
    }
    setCell(row.cells[1], num(item.revision));
    setCell(row.cells[2], preview(valueText(item), 80));
    row.classList.toggle('selected', key === selectedKey);
    if (keysFlash.has(key)) {
      row.classList.remove('flash');
      void row.offsetWidth;
      row.classList.add('flash');
    }
    if (body.children[i] !== row) body.insertBefore(row, body.children[i] || null);
  });
  keysFlash.clear();
  if (keys.length === 0 && !body.querySelector('tr.empty')) {
    body.appendChild(el('tr', { class: 'empty' }, [el('td', { colspan: 3, class: 'muted', text: 'No keys' + (keysPrefix ? ' under "' + keysPrefix + '"' : '') + ' yet.' })]));
  }
}

function setCell(cell, text) {
  if (cell.textContent !== text) cell.textContent = text;
}
`;
