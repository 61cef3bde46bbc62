// Browser code for the ledger card: the latest committed entries (GET /v1/log?from=&limit=) with a
// per-row check that each entry's parent is the hash of the entry before it, and the cluster's own
// verification (GET /v1/log/verify). Either endpoint missing (404) shows "not available".

export const LEDGER_VIEW_SCRIPT = String.raw`
var LEDGER_ROWS = 15;
var LEDGER_POLL_MS = 2000;
var VERIFY_POLL_MS = 15000;

function startLedgerView() {
  every(LEDGER_POLL_MS, refreshLedger);
  every(VERIFY_POLL_MS, refreshVerify);
}

function logEntries(body) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body.entries)) return body.entries;
  if (body && Array.isArray(body.items)) return body.items;
  return [];
}

async function refreshLedger() {
  var commit = latestSnapshot && latestSnapshot.commitIndex;
  var from = commit ? Math.max(1, commit - LEDGER_ROWS + 1) : 1;
  var reply = await getJson('/v1/log?from=' + from + '&limit=' + LEDGER_ROWS);
  if (reply.status === 410) {
    // Entries below the snapshot are no longer held: start at the first one held.
    var first = await getJson('/v1/log?limit=1');
    if (first.ok && first.body && typeof first.body.firstIndex === 'number') {
      reply = await getJson('/v1/log?from=' + Math.max(from, first.body.firstIndex) + '&limit=' + LEDGER_ROWS);
    }
  }
  if (!reply.ok) {
    showAlert('ledger-alert', reply.status === 404 ? 'Ledger not available on this server (GET /v1/log: ' + errorText(reply) + ').' : 'Ledger: ' + errorText(reply), reply.status === 404 ? 'info' : '');
    byId('ledger').hidden = reply.status === 404;
    return;
  }
  byId('ledger').hidden = false;
  var entries = logEntries(reply.body).slice().sort(function (a, b) { return a.index - b.index; });
  showAlert('ledger-alert', entries.length ? '' : 'No committed entries yet.', 'info');
  var byIndex = {};
  entries.forEach(function (e) { byIndex[e.index] = e; });
  var rows = entries.slice(-LEDGER_ROWS).reverse().map(function (e) {
    var before = byIndex[e.index - 1];
    var link = before === undefined ? null : sameHash(before.hash, e.parent);
    return el('tr', { 'data-index': e.index }, [
      el('td', { class: 'num', text: num(e.index) }),
      el('td', { class: 'num', text: num(e.term) }),
      el('td', { class: 'num', text: num(e.lamport) }),
      el('td', { text: e.type === undefined ? DASH : String(e.type) }),
      el('td', { class: 'mono', text: shortHash(e.hash), title: e.hash === undefined ? null : String(e.hash) }),
      el('td', { class: 'mono', text: shortHash(e.parent), title: e.parent === undefined ? null : String(e.parent) }),
      el('td', { class: link === null ? 'muted' : link ? 'ok-text' : 'bad-text', text: link === null ? DASH : link ? '\u2713 parent' : '\u2717 broken', title: link === null ? 'the previous entry is not on this page' : null }),
    ]);
  });
  replaceChildren(byId('ledger').tBodies[0], rows);
}

function sameHash(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function refreshVerify() {
  var reply = await getJson('/v1/log/verify');
  var node = byId('ledger-verify');
  if (reply.status === 404) { node.textContent = 'verification not available'; node.className = 'note'; return; }
  if (!reply.ok || !reply.body) { node.textContent = 'verification: ' + errorText(reply); node.className = 'note bad-text'; return; }
  var v = reply.body;
  var failure = v.failure ? ' at index ' + v.failure.index + ': ' + v.failure.reason : '';
  var head = v.head && typeof v.head === 'object' ? v.head.hash : v.head;
  node.className = 'note ' + (v.ok ? 'ok-text' : 'bad-text');
  node.textContent = (v.ok ? '\u2713 chain and signatures verified' : '\u2717 verification failed' + failure) +
    (v.checked !== undefined ? ' \u00b7 ' + num(v.checked) + ' entries' : '') +
    (head ? ' \u00b7 head ' + shortHash(head) : '') +
    ' \u00b7 ' + clockTime(Date.now());
}
`;
