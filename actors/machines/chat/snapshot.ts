// Chat snapshot encoding. Layout (plain msgpack-able data):
//   { users: [name, firstLoginMs, lastLoginMs, logins, inbox][] in name order,
//     channels: [name, createdMs, createdClock, history][] in name order,
//     outbox: message[] in id order, publishedUpTo, droppedUnpublished }
// where a log is { firstSeq, lastSeq, messages: message[] } and a message is its plain object.
// Both name orders are functions of the state alone, so equal states snapshot to equal bytes.

import { isNonNegativeSafeInteger, isPlainObject } from '../codec.ts';
import { invariant } from '../errors.ts';
import type { ChannelMessage, ChatMessage, PrivateMessage } from './commands.ts';
import { createChatState } from './state.ts';
import type { ChatState, MessageLog } from './state.ts';
import { chatNameProblem } from './validation.ts';

export function snapshotChatState(state: ChatState): unknown {
  const users = sortedEntries(state.users).map(([name, u]) => [name, u.firstLoginMs, u.lastLoginMs, u.logins, logData(u.inbox)]);
  const channels = sortedEntries(state.channels).map(([name, c]) => [name, c.createdMs, c.createdClock, logData(c.history)]);
  return {
    users,
    channels,
    outbox: state.outbox.slice(),
    publishedUpTo: state.publishedUpTo,
    droppedUnpublished: state.droppedUnpublished,
  };
}

/** Rebuilds a state; throws an invariant Error when `data` is not a chat snapshot. */
export function restoreChatState(data: unknown): ChatState {
  invariant(isPlainObject(data), 'chat snapshot must be a map');
  const { users, channels, outbox, publishedUpTo, droppedUnpublished } = data;
  invariant(Array.isArray(users) && Array.isArray(channels) && Array.isArray(outbox), 'chat snapshot lists are missing');
  invariant(isNonNegativeSafeInteger(publishedUpTo) && isNonNegativeSafeInteger(droppedUnpublished), 'chat snapshot counters are invalid');
  const state = createChatState();
  state.publishedUpTo = publishedUpTo;
  state.droppedUnpublished = droppedUnpublished;
  for (const row of users as unknown[]) {
    invariant(Array.isArray(row) && row.length === 5, 'chat snapshot user must be a 5-tuple');
    const [name, firstLoginMs, lastLoginMs, logins, inbox] = row as unknown[];
    invariant(chatNameProblem(name, 'user') === null, 'chat snapshot user name is invalid');
    invariant(
      isNonNegativeSafeInteger(firstLoginMs) && isNonNegativeSafeInteger(lastLoginMs) && isNonNegativeSafeInteger(logins),
      'chat snapshot user has invalid numbers',
    );
    state.users.set(name as string, { firstLoginMs, lastLoginMs, logins, inbox: restoreLog(inbox, isPrivateMessage) });
  }
  for (const row of channels as unknown[]) {
    invariant(Array.isArray(row) && row.length === 4, 'chat snapshot channel must be a 4-tuple');
    const [name, createdMs, createdClock, history] = row as unknown[];
    invariant(chatNameProblem(name, 'channel') === null, 'chat snapshot channel name is invalid');
    invariant(isNonNegativeSafeInteger(createdMs) && isNonNegativeSafeInteger(createdClock), 'chat snapshot channel has invalid numbers');
    state.channels.set(name as string, { createdMs, createdClock, history: restoreLog(history, isChannelMessage) });
  }
  let previousId = 0;
  for (const message of outbox as unknown[]) {
    invariant(isChatMessage(message) && message.id > previousId && message.id > publishedUpTo, 'chat snapshot outbox is invalid');
    state.outbox.push(message);
    previousId = message.id;
  }
  return state;
}

function logData<M extends ChatMessage>(log: MessageLog<M>): unknown {
  return { firstSeq: log.firstSeq, lastSeq: log.lastSeq, messages: log.messages.slice() };
}

function restoreLog<M extends ChatMessage>(data: unknown, isMessage: (m: unknown) => m is M): MessageLog<M> {
  invariant(isPlainObject(data), 'chat snapshot log must be a map');
  const { firstSeq, lastSeq, messages } = data;
  invariant(isNonNegativeSafeInteger(firstSeq) && isNonNegativeSafeInteger(lastSeq) && Array.isArray(messages), 'chat snapshot log is invalid');
  invariant(firstSeq === lastSeq - messages.length + 1, 'chat snapshot log bounds do not match its messages');
  messages.forEach((m, i) => invariant(isMessage(m) && m.seq === firstSeq + i, 'chat snapshot log message is invalid'));
  return { firstSeq, lastSeq, messages: messages as M[] };
}

function isChatMessage(value: unknown): value is ChatMessage {
  return isChannelMessage(value) || isPrivateMessage(value);
}

function isChannelMessage(value: unknown): value is ChannelMessage {
  return (
    isPlainObject(value) &&
    value.kind === 'channel' &&
    hasMessageNumbers(value) &&
    chatNameProblem(value.channel, 'channel') === null &&
    chatNameProblem(value.user, 'user') === null &&
    typeof value.message === 'string'
  );
}

function isPrivateMessage(value: unknown): value is PrivateMessage {
  return (
    isPlainObject(value) &&
    value.kind === 'private' &&
    hasMessageNumbers(value) &&
    chatNameProblem(value.src, 'src') === null &&
    chatNameProblem(value.dst, 'dst') === null &&
    typeof value.message === 'string'
  );
}

function hasMessageNumbers(value: Record<string, unknown>): boolean {
  return (
    isNonNegativeSafeInteger(value.id) &&
    isNonNegativeSafeInteger(value.seq) &&
    isNonNegativeSafeInteger(value.clock) &&
    isNonNegativeSafeInteger(value.timestampMs)
  );
}

function sortedEntries<V>(map: Map<string, V>): Array<[string, V]> {
  return [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
