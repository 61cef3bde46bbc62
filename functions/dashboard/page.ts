// The dashboard's HTML shell. Everything it loads comes from the serving process (no CDN; it works
// offline); the script fills the sections from the /v1 API. Element ids are the script's contract.

export const DASHBOARD_SCRIPT_PATH = '/dashboard/app.js';
export const DASHBOARD_STYLE_PATH = '/dashboard/app.css';

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Atlas dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${DASHBOARD_STYLE_PATH}">
<script src="${DASHBOARD_SCRIPT_PATH}" defer></script>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo">&#9679;</span> Atlas <span id="cluster-name" class="muted"></span></div>
  <dl class="facts">
    <div><dt>leader</dt><dd id="fact-leader">&mdash;</dd></div>
    <div><dt>term</dt><dd id="fact-term">&mdash;</dd></div>
    <div><dt>commit</dt><dd id="fact-commit">&mdash;</dd></div>
    <div><dt>Lamport</dt><dd id="fact-lamport">&mdash;</dd></div>
    <div><dt>health</dt><dd id="fact-health">&mdash;</dd></div>
  </dl>
  <div id="conn" class="pill pill-wait" data-state="connecting">connecting</div>
</header>

<form id="token-form" class="banner" hidden>
  <label for="token-input">This cluster requires a token.</label>
  <input id="token-input" type="password" autocomplete="off" placeholder="bearer token">
  <button type="submit">Use token</button>
</form>

<main class="grid">
  <section class="card span-8" id="members-card">
    <h2>Members <span id="members-note" class="note"></span></h2>
    <div id="members-alert" class="alert" hidden></div>
    <table class="data" id="members">
      <thead><tr>
        <th>member</th><th>role</th><th class="num">term</th><th class="num">commit</th><th class="num">applied</th>
        <th class="num">match</th><th class="num">lag</th><th class="num">last contact</th><th class="num">Lamport</th><th>health</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>

  <section class="card span-4">
    <h2>Leader changes</h2>
    <ol id="leader-log" class="log"></ol>
  </section>

  <section class="card span-4">
    <h2>Throughput <span class="note">per second</span></h2>
    <div class="chart" id="chart-throughput"></div>
  </section>
  <section class="card span-4">
    <h2>Commit latency <span class="note">ms</span></h2>
    <div class="chart" id="chart-commit"></div>
  </section>
  <section class="card span-4">
    <h2>fsync latency <span class="note">ms</span></h2>
    <div class="chart" id="chart-fsync"></div>
  </section>

  <section class="card span-7">
    <h2>Ledger <span id="ledger-verify" class="note"></span></h2>
    <div id="ledger-alert" class="alert" hidden></div>
    <table class="data" id="ledger">
      <thead><tr>
        <th class="num">index</th><th class="num">term</th><th class="num">Lamport</th><th>type</th><th>hash</th><th>parent</th><th>link</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>

  <section class="card span-5">
    <h2>Chat</h2>
    <div id="chat-alert" class="alert" hidden></div>
    <div id="chat"></div>
  </section>

  <section class="card span-12" id="keys-card">
    <h2>Keys <span id="keys-note" class="note"></span></h2>
    <form id="keys-form" class="search">
      <input id="keys-prefix" type="search" placeholder="key prefix (empty: all keys)" autocomplete="off">
      <button type="submit">Search</button>
    </form>
    <div id="keys-alert" class="alert" hidden></div>
    <div class="split">
      <div class="scroll">
        <table class="data" id="keys">
          <thead><tr><th>key</th><th class="num">revision</th><th>value</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <div id="key-detail" class="detail">
        <p class="muted">Select a key to see its value and history.</p>
      </div>
    </div>
  </section>
</main>
<footer id="footer" class="muted"></footer>
</body>
</html>
`;
