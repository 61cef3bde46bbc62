// The chat routes (seed 001 over HTTP, CONTRACT §3):
//   POST /v1/chat/login {"user","clock"?}                              login (again: ok, "created": false)
//   GET  /v1/chat/users                                               users, sorted
//   POST /v1/chat/channels {"channel","clock"?}                       create (412 when it exists)
//   GET  /v1/chat/channels                                            channels, sorted
//   POST /v1/chat/channels/{channel}/messages {"user","message","clock"?}   publish (404 unknown channel)
//   GET  /v1/chat/channels/{channel}/messages?after=&limit=           history, oldest first, `next` cursor
//   GET  /v1/chat/channels/{channel}/stream                           SSE, see chat-sse.ts
//   POST /v1/chat/users/{dst}/messages {"src","message","clock"?}     private message (404 unknown dst)
//   GET  /v1/chat/users/{user}/messages?after=&limit=                 inbox
//   GET  /v1/chat/users/{user}/stream                                 SSE of the inbox (beyond the contract)
// A sender who never logged in gets 412 (the request is well formed; its precondition does not hold).
// Every response carries `clock` (greater than the request's `clock`) and `timestamp`; see chat-format.ts.
// Reads take the client's clock as `?clock=` (or the Atlas-Lamport header). Writes accept
// `Idempotency-Key`; reads accept `?consistency=stale`.

import { Hono } from 'hono';
import type { Context } from 'hono';
import type { ChatOp } from '../../actors/api/chat-op-names.ts';
import type {
  ChannelMessage,
  CreateChannelResult,
  LoginResult,
  MessagePage,
  PrivateMessage,
} from '../../actors/machines/chat/commands.ts';
import { MAX_PAGE_LIMIT } from '../../actors/machines/chat/limits.ts';
import { callBackend } from '../call.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { idempotencyKey } from '../parse/headers.ts';
import { consistencyParam, integerParam } from '../parse/query.ts';
import { isoTime, renderMessage, renderPage } from './chat-format.ts';
import { bodyMessage, bodyName, chatBody, pathName, queryClock } from './chat-parse.ts';
import { serveChatStream } from './chat-sse.ts';

export function chatRoutes(config: AppConfig): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/v1/chat/login', async (c) => {
    const body = await chatBody(c, config, ['user']);
    const result = await write<LoginResult>(c, config, 'chat.login', { user: bodyName(body, 'user') });
    return c.json({ status: 'ok', user: result.user, created: result.created, clock: result.clock, timestamp: isoTime(result.timestampMs) });
  });

  app.get('/v1/chat/users', async (c) => {
    const { users } = await read<{ users: string[] }>(c, config, 'chat.users', {});
    return c.json({ users, ...readStamp(c) });
  });

  app.post('/v1/chat/channels', async (c) => {
    const body = await chatBody(c, config, ['channel']);
    const result = await write<CreateChannelResult>(c, config, 'chat.channel', { channel: bodyName(body, 'channel') });
    return c.json({ status: 'ok', channel: result.channel, clock: result.clock, timestamp: isoTime(result.timestampMs) });
  });

  app.get('/v1/chat/channels', async (c) => {
    const { channels } = await read<{ channels: string[] }>(c, config, 'chat.channels', {});
    return c.json({ channels, ...readStamp(c) });
  });

  app.post('/v1/chat/channels/:channel/messages', async (c) => {
    const channel = pathName(c, 'channel', 'channel');
    const body = await chatBody(c, config, ['user', 'message'], { channel });
    const message = await write<ChannelMessage>(c, config, 'chat.publish', {
      channel,
      user: bodyName(body, 'user'),
      message: bodyMessage(body),
    });
    return c.json({ status: 'ok', ...renderMessage(message) });
  });

  app.get('/v1/chat/channels/:channel/messages', async (c) => {
    const channel = pathName(c, 'channel', 'channel');
    const page = await read<MessagePage>(c, config, 'chat.history', { channel, ...pageParams(c) });
    return c.json({ channel, ...renderPage(page), ...readStamp(c) });
  });

  app.get('/v1/chat/channels/:channel/stream', async (c) => serveChatStream(c, config, { kind: 'channel', name: pathName(c, 'channel', 'channel') }));

  app.post('/v1/chat/users/:dst/messages', async (c) => {
    const dst = pathName(c, 'dst', 'dst');
    const body = await chatBody(c, config, ['src', 'message'], { dst });
    const message = await write<PrivateMessage>(c, config, 'chat.message', { src: bodyName(body, 'src'), dst, message: bodyMessage(body) });
    return c.json({ status: 'ok', ...renderMessage(message) });
  });

  app.get('/v1/chat/users/:user/messages', async (c) => {
    const user = pathName(c, 'user', 'user');
    const page = await read<MessagePage>(c, config, 'chat.inbox', { user, ...pageParams(c) });
    return c.json({ user, ...renderPage(page), ...readStamp(c) });
  });

  app.get('/v1/chat/users/:user/stream', async (c) => serveChatStream(c, config, { kind: 'user', name: pathName(c, 'user', 'user') }));

  return app;
}

function write<T>(c: Context<AppEnv>, config: AppConfig, op: ChatOp, request: Record<string, unknown>): Promise<T> {
  return callBackend<T>(c, config, op, { ...request, ...idempotencyKey(c) });
}

function read<T>(c: Context<AppEnv>, config: AppConfig, op: ChatOp, request: Record<string, unknown>): Promise<T> {
  queryClock(c, config);
  return callBackend<T>(c, config, op, { ...request, consistency: consistencyParam(c) });
}

/** A read's clock is the serving replica's Lamport clock after the read (it observed the request's). */
function readStamp(c: Context<AppEnv>): { clock: number; timestamp: string } {
  return { clock: c.get('replyLamport') ?? 0, timestamp: isoTime(Date.now()) };
}

function pageParams(c: Context<AppEnv>): { after?: number; limit?: number } {
  const after = integerParam(c, 'after', 0);
  const limit = integerParam(c, 'limit', 1, MAX_PAGE_LIMIT);
  return { ...(after !== undefined ? { after } : {}), ...(limit !== undefined ? { limit } : {}) };
}
