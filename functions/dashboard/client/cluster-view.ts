// Browser code for the live part of the page, fed by GET /v1/dashboard/stream: the header facts,
// the member table, the leader-change log and the three charts. Exposes `latestSnapshot` for the
// other views (the ledger reads the commit index from it).

export const CLUSTER_VIEW_SCRIPT = String.raw`
var CHART_WINDOW_MS = 5 * 60000;
var STALE_AFTER_MS = 3000;
var plotted = [];
var latestSnapshot = null;
var lastSnapshotAt = 0;
var shownLeader = null;

function startClusterView() {
  var stream = null;
  function connect() {
    if (stream) stream.close();
    setConnection('wait', 'connecting');
    stream = openStream({
      path: function () { return '/v1/dashboard/stream'; },
      onEvent: onClusterEvent,
      onFailure: function (reply) {
        setConnection('bad', 'stream failed: ' + errorText(reply));
        if (reply.status === 404) return 'stop';
      },
      onDisconnect: function () { setConnection('wait', 'reconnecting'); },
    });
  }
  onTokenChange(connect);
  connect();
  setInterval(function () {
    if (lastSnapshotAt && Date.now() - lastSnapshotAt > STALE_AFTER_MS && byId('conn').dataset.state === 'live') {
      setConnection('wait', 'no update for ' + Math.round((Date.now() - lastSnapshotAt) / 1000) + ' s');
    }
  }, 1000);
  window.addEventListener('resize', drawCharts);
}

function onClusterEvent(type, data) {
  if (type === 'history') {
    plotted = data.points.slice();
    replaceChildren(byId('leader-log'), []);
    data.leaderChanges.forEach(function (change) { addLeaderChange(change, false); });
    drawCharts();
  } else if (type === 'leader') {
    addLeaderChange(data, true);
  } else if (type === 'snapshot') {
    latestSnapshot = data;
    lastSnapshotAt = Date.now();
    setConnection('live', 'live');
    renderFacts(data);
    renderMembers(data);
    plotted.push(data.point);
    while (plotted.length && plotted[0].atMs < data.atMs - CHART_WINDOW_MS) plotted.shift();
    drawCharts();
  }
}

function renderFacts(s) {
  setText('cluster-name', s.cluster ? 'cluster ' + s.cluster : '');
  var leader = byId('fact-leader');
  leader.textContent = s.leader || 'none';
  leader.className = s.leader ? '' : 'bad-text';
  setText('fact-term', num(s.term));
  setText('fact-commit', num(s.commitIndex));
  setText('fact-lamport', num(s.lamport));
  var health = byId('fact-health');
  health.textContent = s.health.ok ? 'ok' : 'failing';
  health.className = s.health.ok ? 'ok-text' : 'bad-text';
  health.title = s.health.reason;
  var served = s.servedBy.kind === 'replica' ? 'replica ' + s.servedBy.id : s.servedBy.kind;
  setText('footer', 'Served by ' + served + '. Member rows show the leader\'s view (GET /v1/status); term, commit, applied and Lamport are reported by the leader' +
    (s.servedBy.kind === 'replica' ? ' and by ' + s.servedBy.id + ' itself' : '') + '; ' + DASH + ' marks what the API does not report for a member.');
}

function renderMembers(s) {
  showAlert('members-alert', s.unavailable ? 'No fresh cluster view: ' + s.unavailable + (s.members.length ? '. Showing the last known view.' : '') : '');
  setText('members-note', s.members.length ? s.members.length + ' members' : '');
  var changed = s.leader !== null && s.leader !== shownLeader;
  if (s.leader !== null) shownLeader = s.leader;
  var rows = s.members.map(function (m) {
    var leads = m.role === 'leader';
    var cls = (leads ? 'is-leader' : '') + (m.stale ? ' stale' : '') + (changed && leads ? ' flash' : '');
    return el('tr', { class: cls.trim() || null, 'data-member': m.id, 'data-role': m.role, 'data-health': m.health }, [
      el('td', { class: 'mono', text: m.id }),
      el('td', null, [el('span', { class: 'badge role-' + m.role, text: m.role })]),
      cell(m.term), cell(m.commitIndex), cell(m.appliedIndex), cell(m.matchIndex), cell(m.lag),
      el('td', { class: 'num' + (m.lastContactMs === null || leads ? ' unknown' : ''), text: leads ? 'self' : m.lastContactMs === null ? DASH : ms(m.lastContactMs) }),
      cell(m.lamport),
      el('td', null, [el('span', { class: 'health-' + m.health, text: m.health })]),
    ]);
  });
  replaceChildren(byId('members').tBodies[0], rows);
}

function cell(value) {
  var unknown = value === null || value === undefined;
  return el('td', { class: 'num' + (unknown ? ' unknown' : ''), text: num(value), title: unknown ? 'not reported by the API for this member' : null });
}

function addLeaderChange(change, live) {
  var text = change.from === null ? 'leader ' : change.from + ' \u2192 ';
  var item = el('li', { class: live ? 'flash' : null }, [
    el('span', { class: 'when', text: clockTime(change.atMs) }),
    el('span', null, [text, el('span', { class: 'who', text: change.to })]),
    el('span', { class: 'muted', text: 'term ' + change.term }),
  ]);
  var log = byId('leader-log');
  log.insertBefore(item, log.firstChild);
  while (log.children.length > 20) log.removeChild(log.lastChild);
}

function drawCharts() {
  var viaGateway = latestSnapshot && latestSnapshot.servedBy.kind !== 'replica';
  var noHistogram = viaGateway ? 'not available through a gateway\n(its /metrics has no latency histograms)' : 'no commits in this window';
  drawChart(byId('chart-throughput'), {
    points: plotted, windowMs: CHART_WINDOW_MS, minimumMax: 1,
    series: [
      { label: 'committed entries/s', key: 'committedPerSec', format: rate },
      { label: 'proposals/s', key: 'proposalsPerSec', format: rate },
    ],
    emptyText: 'waiting for samples',
  });
  drawChart(byId('chart-commit'), {
    points: plotted, windowMs: CHART_WINDOW_MS, minimumMax: 0.1,
    series: [
      { label: 'p50', key: 'commitP50Ms', format: ms },
      { label: 'p99', key: 'commitP99Ms', format: ms },
    ],
    emptyText: noHistogram,
  });
  drawChart(byId('chart-fsync'), {
    points: plotted, windowMs: CHART_WINDOW_MS, minimumMax: 0.1,
    series: [
      { label: 'p50', key: 'fsyncP50Ms', format: ms },
      { label: 'p99', key: 'fsyncP99Ms', format: ms },
    ],
    emptyText: viaGateway ? noHistogram : 'no fsyncs in this window',
  });
}
`;
