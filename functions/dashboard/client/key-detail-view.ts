// Browser code for the selected key: its value and metadata (GET /v1/kv/{key}, then kept current by
// the list's watch events) and its history (the watch stream from revision 1, or from the oldest
// revision still kept when older history is compacted).

export const KEY_DETAIL_VIEW_SCRIPT = String.raw`
var HISTORY_ROWS = 50;
var HISTORY_KEPT = 200;
var keyValue = null;
var keyHistory = [];
var historyCompactedBelow = null;
var historyStream = null;
var utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A watch event of the selected key: its value, metadata and history follow without a request. */
function onSelectedKeyEvent(type, data) {
  addHistory(type, data);
  keyValue = type === 'put' ? valueAfterPut(keyValue, data) : { error: 'deleted at revision ' + data.revision, revision: data.revision };
  renderKeyDetail();
}

/** Reads the selected key's value and history again (when its changes arrive without a watch). */
function reloadSelectedKey() {
  loadKeyValue(selectedKey);
  loadKeyHistory(selectedKey, 1);
}

/** The selected key's value and metadata after a put seen on the watch. */
function valueAfterPut(before, data) {
  var existed = before && !before.error && before.version;
  return {
    text: valueText(data),
    revision: data.revision,
    createRevision: existed ? before.createRevision : before && before.error ? data.revision : null,
    version: existed ? Number(before.version) + 1 : before && before.error ? 1 : null,
  };
}

function selectKey(key) {
  selectedKey = key;
  keyValue = null;
  keyHistory = [];
  historyCompactedBelow = null;
  renderKeys(null);
  renderKeyDetail();
  loadKeyValue(key);
  loadKeyHistory(key, 1);
}

var valueLoading = null;
var valueReload = false;

/** Loads the selected key's value; calls made while one load runs collapse into one more load after it. */
async function loadKeyValue(key) {
  if (valueLoading === key) { valueReload = true; return; }
  valueLoading = key;
  try {
    do {
      valueReload = false;
      await fetchKeyValue(key);
    } while (valueReload && key === selectedKey);
  } finally {
    if (valueLoading === key) valueLoading = null;
  }
}

async function fetchKeyValue(key) {
  var res;
  try {
    res = await fetch('/v1/kv/' + encodeURIComponent(key), { headers: authHeaders({}), cache: 'no-store' });
  } catch (e) {
    keyValue = { error: String(e && e.message || e) };
    renderKeyDetail();
    return;
  }
  if (key !== selectedKey) return;
  if (res.status === 401) onUnauthorized();
  if (!res.ok) {
    var body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    keyValue = { error: res.status === 404 ? 'deleted or absent' : errorText({ status: res.status, body: body }) };
  } else {
    var bytes = new Uint8Array(await res.arrayBuffer());
    var text;
    try { text = utf8Strict.decode(bytes); } catch (e) { text = '(binary, ' + bytes.length + ' bytes)'; }
    var revision = Number(res.headers.get('Atlas-Revision'));
    // The watch may already have shown a newer revision than this read.
    if (keyValue && keyValue.revision > revision) return;
    keyValue = {
      text: text,
      revision: revision,
      createRevision: Number(res.headers.get('Atlas-Create-Revision')),
      version: Number(res.headers.get('Atlas-Version')),
    };
  }
  if (key === selectedKey) renderKeyDetail();
}

function loadKeyHistory(key, from) {
  if (historyStream) historyStream.close();
  var collected = [];
  var compactedBelow = from > 1 ? from : null;
  historyStream = openStream({
    reconnect: false,
    path: function () { return '/v1/watch?prefix=' + encodeURIComponent(key) + '&from=' + from; },
    onEvent: function (type, data) {
      if (key !== selectedKey) return;
      if ((type === 'put' || type === 'delete') && data.key === key) collected.push({ type: type, revision: data.revision, lamport: data.lamport, value: data.value, encoding: data.encoding });
      if (type === 'synced') {
        historyStream.close();
        var live = keyHistory;
        keyHistory = collected.concat(live.filter(function (h) { return h.revision > data.revision; })).slice(-HISTORY_KEPT);
        historyCompactedBelow = compactedBelow;
        renderKeyDetail();
      }
    },
    onFailure: function (failure) {
      var oldest = failure.body && failure.body.error && failure.body.error.revision;
      if (failure.status === 410 && oldest) loadKeyHistory(key, oldest);
      return 'stop';
    },
  });
}

function addHistory(type, data) {
  if (keyHistory.some(function (h) { return h.revision === data.revision; })) return;
  keyHistory.push({ type: type, revision: data.revision, lamport: data.lamport, value: data.value, encoding: data.encoding });
  if (keyHistory.length > HISTORY_KEPT) keyHistory.shift();
}

var detailRenderPending = false;

function renderKeyDetail() {
  if (detailRenderPending) return;
  detailRenderPending = true;
  requestAnimationFrame(function () {
    detailRenderPending = false;
    drawKeyDetail();
  });
}

function drawKeyDetail() {
  var host = byId('key-detail');
  if (selectedKey === null) return;
  var v = keyValue || {};
  var meta = v.error ? [el('span', { class: 'bad-text', text: v.error })] : [
    el('span', null, ['revision ', el('b', { text: num(v.revision) })]),
    el('span', null, ['created ', el('b', { text: num(v.createRevision) })]),
    el('span', null, ['version ', el('b', { text: num(v.version) })]),
  ];
  var rows = keyHistory.slice(-HISTORY_ROWS).reverse().map(function (h) {
    return el('tr', null, [
      el('td', { class: 'num', text: num(h.revision) }),
      el('td', { class: 'num', text: num(h.lamport) }),
      el('td', { text: h.type }),
      el('td', { text: h.type === 'delete' ? DASH : preview(valueText(h), 48) }),
    ]);
  });
  var note = historyCompactedBelow ? 'history before revision ' + historyCompactedBelow + ' is compacted' : null;
  replaceChildren(host, [
    el('h3', { text: selectedKey }),
    el('div', { class: 'meta' }, meta),
    el('pre', { text: v.text === undefined ? '' : v.text }),
    el('div', { class: 'scroll history' }, [el('table', { class: 'data', id: 'key-history' }, [
      el('thead', null, [el('tr', null, [el('th', { class: 'num', text: 'revision' }), el('th', { class: 'num', text: 'Lamport' }), el('th', { text: 'event' }), el('th', { text: 'value' })])]),
      el('tbody', null, rows),
    ])]),
    note ? el('p', { class: 'note', text: note }) : null,
  ]);
}
`;
