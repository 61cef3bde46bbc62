// Browser code for the chat card: the channels (GET /v1/chat/channels) and each one's latest
// messages (GET /v1/chat/channels/{c}/messages?after=&limit=, pages oldest first with lastSeq).
// The chat routes missing (404) shows "not available".

export const CHAT_VIEW_SCRIPT = String.raw`
var CHAT_POLL_MS = 3000;
var CHAT_CHANNELS = 6;
var CHAT_MESSAGES = 4;

function startChatView() {
  every(CHAT_POLL_MS, refreshChat);
}

function channelName(channel) {
  return typeof channel === 'string' ? channel : channel && (channel.channel || channel.name) || '?';
}

async function latestMessages(channel) {
  var base = '/v1/chat/channels/' + encodeURIComponent(channel) + '/messages';
  var first = await getJson(base + '?limit=1');
  if (!first.ok) return { error: errorText(first) };
  var last = first.body && typeof first.body.lastSeq === 'number' ? first.body.lastSeq : null;
  var page = last === null ? first : await getJson(base + '?after=' + Math.max(0, last - CHAT_MESSAGES) + '&limit=' + CHAT_MESSAGES);
  if (!page.ok) return { error: errorText(page) };
  var messages = (page.body && (page.body.messages || page.body.items)) || (Array.isArray(page.body) ? page.body : []);
  return { messages: messages.slice(-CHAT_MESSAGES) };
}

async function refreshChat() {
  var reply = await getJson('/v1/chat/channels');
  if (!reply.ok) {
    showAlert('chat-alert', reply.status === 404 ? 'Chat not available on this server (GET /v1/chat/channels: ' + errorText(reply) + ').' : 'Chat: ' + errorText(reply), reply.status === 404 ? 'info' : '');
    replaceChildren(byId('chat'), []);
    return;
  }
  var channels = ((reply.body && reply.body.channels) || (Array.isArray(reply.body) ? reply.body : [])).map(channelName);
  showAlert('chat-alert', channels.length ? '' : 'No channels yet.', 'info');
  var shown = channels.slice(0, CHAT_CHANNELS);
  var pages = await Promise.all(shown.map(latestMessages));
  var blocks = shown.map(function (name, i) {
    var page = pages[i];
    var lines = page.error ? [el('div', { class: 'bad-text', text: page.error })] : page.messages.length === 0
      ? [el('div', { class: 'muted', text: 'no messages' })]
      : page.messages.map(function (m) {
          var at = m.timestampMs || m.timestamp;
          return el('div', { class: 'message' }, [
            el('span', { class: 'when', text: at ? clockTime(typeof at === 'number' ? at : Date.parse(at)) : '#' + m.seq, title: m.clock !== undefined ? 'Lamport ' + m.clock : null }),
            el('span', { class: 'user', text: m.user || m.src || '?' }),
            el('span', { text: preview(m.message !== undefined ? m.message : m.text || '', 120) }),
          ]);
        });
    return el('div', { class: 'channel', 'data-channel': name }, [el('h3', { text: '#' + name })].concat(lines));
  });
  if (channels.length > shown.length) blocks.push(el('p', { class: 'note', text: (channels.length - shown.length) + ' more channels' }));
  replaceChildren(byId('chat'), blocks);
}
`;
