// How a committed chat message travels on NATS (CONTRACT §4): on `atlas.<cluster>.chat.channel.<name>`
// (publications) or `atlas.<cluster>.chat.user.<dst>` (private messages), a msgpack map
//   channel: { id, seq, channel, user, message, clock, timestamp, timestampMs }
//   private: { id, seq, src, dst, message, clock, timestamp, timestampMs }
// (seed 001's publication fields plus the ids), with headers
//   Atlas-Type: chat.publish | chat.message, Atlas-From: <publishing replica>, Atlas-Lamport: <clock>,
//   Nats-Msg-Id: <id>.
// `id` (the log index) is stable across republication, so JetStream (duplicate window) and any
// subscriber that remembers the last id per subject drop a republished message.

import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import { PlainDecoder, PlainEncoder } from '../codec/plain-msgpack.ts';
import type { ChannelMessage, ChatMessage, PrivateMessage } from '../machines/chat/commands.ts';
import { isNonNegativeSafeInteger, isPlainObject } from '../machines/codec.ts';
import { ATLAS_HEADER } from '../transport/headers.ts';
import { chatChannelSubject, chatUserSubject, isSubjectSafeName } from '../transport/subjects.ts';

/** Reused across calls; the library's default options (undefined map values written as nil). */
const encoder = new PlainEncoder({ sortKeys: false, ignoreUndefined: false });
const decoder = new PlainDecoder();

export const CHAT_PUBLICATION_TYPE = { channel: 'chat.publish', private: 'chat.message' } as const;
export const NATS_MSG_ID_HEADER = 'Nats-Msg-Id';

/** The subject a message is published on. */
export function publicationSubject(cluster: string, message: ChatMessage): string {
  return message.kind === 'channel' ? chatChannelSubject(cluster, message.channel) : chatUserSubject(cluster, message.dst);
}

/** The publication body, as plain data (msgpack-encode it, or render it as JSON). */
export function publicationBody(message: ChatMessage): Record<string, unknown> {
  const common = { id: message.id, seq: message.seq, message: message.message, clock: message.clock };
  const time = { timestamp: new Date(message.timestampMs).toISOString(), timestampMs: message.timestampMs };
  return message.kind === 'channel'
    ? { ...common, channel: message.channel, user: message.user, ...time }
    : { ...common, src: message.src, dst: message.dst, ...time };
}

export function encodePublication(message: ChatMessage): Uint8Array {
  return encoder.encode(publicationBody(message));
}

export function publicationHeaders(message: ChatMessage, from: string): MsgHdrs {
  const h = natsHeaders();
  h.set(ATLAS_HEADER.type, CHAT_PUBLICATION_TYPE[message.kind]);
  h.set(ATLAS_HEADER.from, from);
  h.set(ATLAS_HEADER.lamport, String(message.clock));
  h.set(NATS_MSG_ID_HEADER, String(message.id));
  return h;
}

/** Decodes a publication; null for anything malformed or foreign (never throws). */
export function decodePublication(bytes: Uint8Array): ChatMessage | null {
  let body: unknown;
  try {
    body = decoder.decode(bytes);
  } catch {
    return null;
  }
  if (!isPlainObject(body)) return null;
  const { id, seq, message, clock, timestampMs } = body;
  if (!isNonNegativeSafeInteger(id) || !isNonNegativeSafeInteger(seq) || !isNonNegativeSafeInteger(clock)) return null;
  if (!isNonNegativeSafeInteger(timestampMs) || typeof message !== 'string') return null;
  const common = { id, seq, message, clock, timestampMs };
  if (isSubjectSafeName(body.channel) && isSubjectSafeName(body.user)) {
    const m: ChannelMessage = { kind: 'channel', ...common, channel: body.channel, user: body.user };
    return m;
  }
  if (isSubjectSafeName(body.src) && isSubjectSafeName(body.dst)) {
    const m: PrivateMessage = { kind: 'private', ...common, src: body.src, dst: body.dst };
    return m;
  }
  return null;
}
