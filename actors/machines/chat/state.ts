// The chat machine's replicated state and the only functions that change it. Invariants:
// - a log (channel history or inbox) holds messages seq `firstSeq .. lastSeq` consecutively, so the
//   message with seq s sits at `messages[s - firstSeq]`;
// - `outbox` holds, in id order, exactly the stored messages with id > `publishedUpTo` that were not
//   evicted; `publishedUpTo` never decreases.

import type { ChatMessage, ChannelMessage, PrivateMessage } from './commands.ts';

export interface MessageLog<M extends ChatMessage> {
  /** Seq of messages[0]; lastSeq + 1 when empty. */
  firstSeq: number;
  /** Seq of the newest message ever appended (0 before any). */
  lastSeq: number;
  readonly messages: M[];
}

export interface UserRecord {
  readonly firstLoginMs: number;
  lastLoginMs: number;
  logins: number;
  readonly inbox: MessageLog<PrivateMessage>;
}

export interface ChannelRecord {
  readonly createdMs: number;
  readonly createdClock: number;
  readonly history: MessageLog<ChannelMessage>;
}

export interface ChatState {
  readonly users: Map<string, UserRecord>;
  readonly channels: Map<string, ChannelRecord>;
  readonly outbox: ChatMessage[];
  /** Every message with id <= publishedUpTo was published (or evicted unpublished). */
  publishedUpTo: number;
  droppedUnpublished: number;
}

export function createChatState(): ChatState {
  return { users: new Map(), channels: new Map(), outbox: [], publishedUpTo: 0, droppedUnpublished: 0 };
}

export function emptyLog<M extends ChatMessage>(): MessageLog<M> {
  return { firstSeq: 1, lastSeq: 0, messages: [] };
}

/** Appends `message` (whose seq must be lastSeq + 1) and trims the log to `maxKept`. */
export function appendToLog<M extends ChatMessage>(log: MessageLog<M>, message: M, maxKept: number): void {
  log.messages.push(message);
  log.lastSeq = message.seq;
  const excess = log.messages.length - maxKept;
  if (excess > 0) {
    log.messages.splice(0, excess);
  }
  log.firstSeq = log.lastSeq - log.messages.length + 1;
}

/** Queues `message` for publication; a full outbox evicts its oldest message, which is never published. */
export function enqueueForPublication(state: ChatState, message: ChatMessage, maxOutbox: number): void {
  state.outbox.push(message);
  while (state.outbox.length > maxOutbox) {
    const evicted = state.outbox.shift()!;
    state.publishedUpTo = Math.max(state.publishedUpTo, evicted.id);
    state.droppedUnpublished++;
  }
}

/** Records that every message with id <= upTo was published. */
export function markPublished(state: ChatState, upTo: number): void {
  if (upTo <= state.publishedUpTo) return;
  state.publishedUpTo = upTo;
  let drop = 0;
  while (drop < state.outbox.length && state.outbox[drop]!.id <= upTo) drop++;
  if (drop > 0) state.outbox.splice(0, drop);
}
