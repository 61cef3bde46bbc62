// The SSE handler shared by GET /v1/chat/channels/{channel}/stream and /v1/chat/users/{user}/stream:
// `event: message` with `id: <seq>` per message, `event: synced` once the requested history is sent,
// `: ping` heartbeats, `event: end` when the stream cannot continue. Starts from `?after=<seq>` or
// `Last-Event-ID` (history after it first), else from now. The backend stream starts before the
// response, so an unknown channel or user is a 404 JSON error, not a stream; it is cancelled
// whenever the response ends, including when the client goes away.

import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ChatStreamCancel, ChatTarget } from '../../actors/api/chat-stream.ts';
import { toApiError, withDeadline } from '../../actors/api/errors.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import { parseNonNegativeInteger } from '../parse/numbers.ts';
import { integerParam } from '../parse/query.ts';
import { CHAT_HEARTBEAT, formatEndEvent, formatMessageEvent, formatSyncedEvent } from './chat-format.ts';
import { ChatStreamQueue } from './chat-queue.ts';

export async function serveChatStream(c: Context<AppEnv>, config: AppConfig, target: ChatTarget): Promise<Response> {
  let after = integerParam(c, 'after', 0) ?? null;
  const lastEventId = c.req.header('Last-Event-ID');
  if (lastEventId !== undefined && lastEventId.trim() !== '') {
    const seq = parseNonNegativeInteger(lastEventId);
    if (seq === null) throw badRequest('Last-Event-ID must be a message seq (a non-negative integer)');
    after = seq;
  }

  const queue = new ChatStreamQueue(config.watchMaxQueuedRevisions);
  const cancelStream = await startStream(config, target, after, queue);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    cancelStream();
    queue.close();
  };
  c.req.raw.signal?.addEventListener('abort', stop, { once: true });

  return streamSSE(c, async (stream) => {
    stream.onAbort(stop);
    try {
      while (!stream.aborted) {
        const item = await queue.take(config.watchHeartbeatMs);
        if (item.type === 'closed') break;
        if (item.type === 'idle') await stream.write(CHAT_HEARTBEAT);
        else if (item.type === 'message') await stream.write(formatMessageEvent(item.message));
        else if (item.type === 'synced') await stream.write(formatSyncedEvent(item.seq));
        else {
          await stream.write(formatEndEvent(item.reason));
          break;
        }
      }
    } finally {
      stop();
    }
  });
}

/** Starts the backend stream within the request deadline; a stream that starts too late is cancelled. */
async function startStream(config: AppConfig, target: ChatTarget, after: number | null, queue: ChatStreamQueue): Promise<ChatStreamCancel> {
  const started = config.backend.chatStream(target, after, queue);
  try {
    return await withDeadline(started, config.requestTimeoutMs, 'starting the chat stream');
  } catch (error) {
    started.then(
      (cancel) => cancel(),
      () => {},
    );
    throw toApiError(error);
  }
}
