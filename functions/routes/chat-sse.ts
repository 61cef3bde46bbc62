// The SSE handler shared by GET /v1/chat/channels/{channel}/stream and /v1/chat/users/{user}/stream:
// `event: message` with `id: <seq>` per message, `event: synced` once the requested history is sent,
// `: ping` heartbeats, `event: end` when the stream cannot continue. Starts from `?after=<seq>` or
// `Last-Event-ID` (history after it first), else from now. The backend stream starts before the
// response, so an unknown channel or user is a 404 JSON error, not a stream; it is cancelled
// whenever the response ends, including when the client goes away.

import type { Context } from 'hono';
import type { ChatTarget } from '../../actors/api/chat-stream.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import { parseNonNegativeInteger } from '../parse/numbers.ts';
import { integerParam } from '../parse/query.ts';
import { CHAT_HEARTBEAT, formatEndEvent, formatMessageEvent, formatSyncedEvent } from './chat-format.ts';
import { ChatStreamQueue } from './chat-queue.ts';
import { serveQueuedSse } from './queued-sse.ts';

export async function serveChatStream(c: Context<AppEnv>, config: AppConfig, target: ChatTarget): Promise<Response> {
  let after = integerParam(c, 'after', 0) ?? null;
  const lastEventId = c.req.header('Last-Event-ID');
  if (lastEventId !== undefined && lastEventId.trim() !== '') {
    const seq = parseNonNegativeInteger(lastEventId);
    if (seq === null) throw badRequest('Last-Event-ID must be a message seq (a non-negative integer)');
    after = seq;
  }
  const queue = new ChatStreamQueue(config.watchMaxQueuedRevisions);
  return serveQueuedSse(c, config, {
    queue,
    start: () => config.backend.chatStream(target, after, queue),
    what: 'starting the chat stream',
    heartbeat: CHAT_HEARTBEAT,
    format: (item) => (item.type === 'message' ? formatMessageEvent(item.message) : item.type === 'synced' ? formatSyncedEvent(item.seq) : formatEndEvent(item.reason)),
  });
}
