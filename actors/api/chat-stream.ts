// Live streams of one channel's publications or one user's private messages, for SSE. A stream first
// delivers the retained messages with seq > `afterSeq` (none when `afterSeq` is null: from now), then
// `synced`, then each new message once, in seq order. Two sources:
// - on a replica: its own chat machine (history read and subscription in one synchronous turn, after a
//   read barrier, so nothing acknowledged before the stream started is missed);
// - in a gateway: the NATS publications, deduplicated by seq, with any gap (a leader change, a
//   republication out of order) filled from history over the API.

import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { ChatMessage, MessagePage } from '../machines/chat/commands.ts';
import type { ChatMachine } from '../machines/chat/machine.ts';
import { CHAT_MACHINE_NAME } from '../machines/chat/machine.ts';
import { MAX_PAGE_LIMIT } from '../machines/chat/limits.ts';
import type { Replica } from '../replica/replica.ts';
import { decodePublication } from './chat-publication.ts';
import { ApiError, ApiErrorCode } from './errors.ts';
import type { ApiCall } from './ops.ts';
import { chatChannelSubject, chatUserSubject } from '../transport/subjects.ts';

export type ChatTarget = { readonly kind: 'channel'; readonly name: string } | { readonly kind: 'user'; readonly name: string };

export interface ChatStreamSink {
  message(message: ChatMessage): void;
  /** Everything up to `seq` was delivered; live messages follow. Called once. */
  synced(seq: number): void;
  /** The stream cannot continue; the client resumes from its last seq. */
  end(reason: string): void;
}

/** Cancels the stream. */
export type ChatStreamCancel = () => void;

export function targetMatches(target: ChatTarget, message: ChatMessage): boolean {
  return target.kind === 'channel'
    ? message.kind === 'channel' && message.channel === target.name
    : message.kind === 'private' && message.dst === target.name;
}

function pageQuery(target: ChatTarget, after: number): Record<string, unknown> {
  return target.kind === 'channel'
    ? { type: 'history', channel: target.name, after, limit: MAX_PAGE_LIMIT }
    : { type: 'inbox', user: target.name, after, limit: MAX_PAGE_LIMIT };
}

/** A stream served from a replica's own chat machine. Rejects (not_found, unavailable) before streaming. */
export function openReplicaChatStream(
  replica: Replica,
  chat: ChatMachine | undefined,
  target: ChatTarget,
  afterSeq: number | null,
  sink: ChatStreamSink,
): Promise<ChatStreamCancel> {
  if (!chat) return Promise.reject(new ApiError(ApiErrorCode.NotFound, 'chat is not enabled on this replica'));
  return replica.linearizable(() => {
    const read = (after: number) => replica.machines.query(CHAT_MACHINE_NAME, pageQuery(target, after)) as MessagePage;
    let delivered = afterSeq ?? read(Number.MAX_SAFE_INTEGER).lastSeq;
    for (;;) {
      const page = read(delivered);
      for (const message of page.messages) {
        sink.message(message);
        delivered = message.seq;
      }
      if (page.next === null) {
        delivered = Math.max(delivered, page.lastSeq);
        break;
      }
    }
    const unsubscribe = chat.subscribe((notice) => {
      if (notice.type === 'reset') {
        sink.end('the replica installed a snapshot; resume from Last-Event-ID');
        return;
      }
      const message = notice.message;
      if (!targetMatches(target, message) || message.seq <= delivered) return;
      delivered = message.seq;
      sink.message(message);
    });
    sink.synced(delivered);
    return unsubscribe;
  });
}

export interface NatsChatStreamOptions {
  readonly nc: NatsConnection;
  readonly cluster: string;
  /** Reaches the cluster's API (the leader) for history pages. */
  readonly call: ApiCall;
  readonly timeoutMs: number;
}

/** A stream served from NATS publications plus history. Rejects (not_found, unavailable) before streaming. */
export async function openNatsChatStream(
  opts: NatsChatStreamOptions,
  target: ChatTarget,
  afterSeq: number | null,
  sink: ChatStreamSink,
): Promise<ChatStreamCancel> {
  const subject = target.kind === 'channel' ? chatChannelSubject(opts.cluster, target.name) : chatUserSubject(opts.cluster, target.name);
  const op = target.kind === 'channel' ? 'chat.history' : 'chat.inbox';
  const read = async (after: number): Promise<MessagePage> => {
    const { type: _type, ...request } = pageQuery(target, after);
    const reply = await opts.call(op, request, { timeoutMs: opts.timeoutMs });
    if (!reply.ok) throw new ApiError(reply.error.code, reply.error.message);
    return reply.result as MessagePage;
  };

  let delivered = 0;
  let live = false;
  let closed = false;
  const buffered: ChatMessage[] = [];
  let chain = Promise.resolve();

  const deliver = (message: ChatMessage) => {
    if (closed || message.seq <= delivered) return;
    delivered = message.seq;
    sink.message(message);
  };
  const catchUp = async () => {
    for (;;) {
      const page = await read(delivered);
      for (const message of page.messages) deliver(message);
      if (page.next === null) {
        delivered = Math.max(delivered, page.lastSeq);
        return;
      }
    }
  };
  const onLive = (message: ChatMessage) => {
    chain = chain.then(async () => {
      if (closed || message.seq <= delivered) return;
      if (message.seq > delivered + 1) {
        try {
          await catchUp();
        } catch (error) {
          closed = true;
          sub.unsubscribe();
          sink.end(`the stream lost its place: ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
      }
      deliver(message);
    });
  };

  // Subscribe before reading history: the server holds the subscription before the read is served.
  const sub: Subscription = opts.nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error || closed) return;
      const message = decodePublication(msg.data);
      if (!message || !targetMatches(target, message)) return;
      if (live) onLive(message);
      else buffered.push(message);
    },
  });
  try {
    delivered = afterSeq ?? (await read(Number.MAX_SAFE_INTEGER)).lastSeq;
    await catchUp();
  } catch (error) {
    closed = true;
    sub.unsubscribe();
    throw error;
  }
  sink.synced(delivered);
  live = true;
  for (const message of buffered.splice(0)) onLive(message);
  return () => {
    closed = true;
    sub.unsubscribe();
  };
}
