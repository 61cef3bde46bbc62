// Browser code shared by every dashboard view to reach the API: the bearer token (from `?token=`, kept
// in sessionStorage, or typed into the token form), JSON calls to the /v1 API, and Server-Sent Event
// streams read with fetch (EventSource cannot send an Authorization header).
// Plain ES2020 for the browser, kept as text; the parts share one function scope (see script.ts).

export const API_SCRIPT = String.raw`
var TOKEN_KEY = 'atlas.dashboard.token';
var authListeners = [];

function storedToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
}

function storeToken(token) {
  try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* private mode: the token lives for this page only */ }
  memoryToken = token;
}
var memoryToken = storedToken();

/** Moves ?token= from the address bar into sessionStorage, so it is not left in history or bookmarks. */
function adoptTokenFromUrl() {
  var url = new URL(location.href);
  var token = url.searchParams.get('token');
  if (token === null) return;
  storeToken(token);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

function authHeaders(extra) {
  var headers = Object.assign({}, extra || {});
  if (memoryToken) headers.Authorization = 'Bearer ' + memoryToken;
  return headers;
}

function onUnauthorized() {
  var form = byId('token-form');
  if (form.hidden) {
    form.hidden = false;
    byId('token-input').focus();
  }
  setConnection('bad', 'token required');
}

/** Calls fn() whenever a new token was entered (every view restarts its requests). */
function onTokenChange(fn) { authListeners.push(fn); }

function wireTokenForm() {
  byId('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    storeToken(byId('token-input').value.trim());
    byId('token-form').hidden = true;
    authListeners.forEach(function (fn) { fn(); });
  });
}

/**
 * GET path as JSON. Resolves to {status, ok, body, headers}; body is the parsed JSON or null.
 * Never rejects: a network failure is status 0.
 */
async function getJson(path) {
  var res;
  try {
    res = await fetch(path, { headers: authHeaders({ Accept: 'application/json' }), cache: 'no-store' });
  } catch (e) {
    return { status: 0, ok: false, body: { error: { code: 'network', message: String(e && e.message || e) } }, headers: new Headers() };
  }
  var body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (res.status === 401) onUnauthorized();
  return { status: res.status, ok: res.ok, body: body, headers: res.headers };
}

/** The error message of a failed getJson reply. */
function errorText(reply) {
  var e = reply.body && reply.body.error;
  if (e && e.message) return e.message + (reply.status ? ' (' + reply.status + ')' : '');
  return reply.status ? 'HTTP ' + reply.status : 'network error';
}

/**
 * Reads a Server-Sent Events stream. handlers: path() -> URL for each (re)connection; onEvent(type, data, id);
 * onOpen(); onFailure(reply) -> 'stop' to give up (non-2xx answers); reconnect (default true).
 * Returns {close()}.
 */
function openStream(handlers) {
  var controller = new AbortController();
  var closed = false;
  var reconnect = handlers.reconnect !== false;
  (async function run() {
    var attempt = 0;
    while (!closed) {
      try {
        var res = await fetch(handlers.path(), {
          headers: authHeaders({ Accept: 'text/event-stream' }),
          cache: 'no-store',
          signal: controller.signal,
        });
        if (res.status === 401) { onUnauthorized(); return; }
        if (!res.ok) {
          var body = null;
          try { body = await res.json(); } catch (e) { body = null; }
          if (handlers.onFailure && handlers.onFailure({ status: res.status, ok: false, body: body }) === 'stop') return;
        } else {
          attempt = 0;
          if (handlers.onOpen) handlers.onOpen();
          await readEvents(res.body, handlers.onEvent);
        }
      } catch (e) {
        if (closed) return;
        if (handlers.onFailure && handlers.onFailure({ status: 0, ok: false, body: { error: { message: String(e && e.message || e) } } }) === 'stop') return;
      }
      if (closed || !reconnect) return;
      if (handlers.onDisconnect) handlers.onDisconnect();
      await sleep(Math.min(5000, 400 * Math.pow(2, attempt++)));
    }
  })();
  return { close: function () { closed = true; controller.abort(); } };
}

async function readEvents(body, onEvent) {
  var reader = body.getReader();
  var decoder = new TextDecoder();
  var buffer = '';
  for (;;) {
    var chunk = await reader.read();
    if (chunk.done) return;
    buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
    var cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      var block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      var event = parseEventBlock(block);
      if (event) onEvent(event.type, event.data, event.id);
    }
  }
}

function parseEventBlock(block) {
  var type = 'message', data = [], id = null;
  block.split('\n').forEach(function (line) {
    if (line === '' || line[0] === ':') return;
    var colon = line.indexOf(':');
    var field = colon < 0 ? line : line.slice(0, colon);
    var value = colon < 0 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  });
  if (data.length === 0) return null;
  var parsed;
  try { parsed = JSON.parse(data.join('\n')); } catch (e) { return null; }
  return { type: type, data: parsed, id: id };
}

function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

/** Runs task now and then every intervalMs after each run finishes; restarts when the token changes. */
function every(intervalMs, task) {
  var timer = null;
  async function tick() {
    clearTimeout(timer);
    try { await task(); } catch (e) { console.warn('atlas dashboard:', e); }
    timer = setTimeout(tick, intervalMs);
  }
  onTokenChange(tick);
  tick();
  return { now: tick };
}
`;
