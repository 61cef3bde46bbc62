// Applies validated chat commands. Deterministic: everything comes from the command, the state and
// the ApplyContext (clock = ctx.lamport, timestamps = ctx.logTimeMs, ids = ctx.index). A refused
// command throws CommandRejectedError before changing anything.

import { CommandRejectedCode, CommandRejectedError } from '../errors.ts';
import type { ApplyContext } from '../types.ts';
import type {
  ChannelMessage,
  ChatCommand,
  ChatMessage,
  ChatResult,
  CreateChannelCommand,
  CreateChannelResult,
  LoginCommand,
  LoginResult,
  PrivateMessage,
  PublishCommand,
  PublishedCommand,
  PublishedResult,
  SendCommand,
} from './commands.ts';
import type { ChatLimits } from './limits.ts';
import { appendToLog, emptyLog, enqueueForPublication, markPublished } from './state.ts';
import type { ChatState } from './state.ts';

export interface ChatApplied {
  readonly result: ChatResult;
  /** The message the command stored, if it stored one. */
  readonly message: ChatMessage | null;
}

export function applyChatCommand(state: ChatState, command: ChatCommand, ctx: ApplyContext, limits: ChatLimits): ChatApplied {
  switch (command.type) {
    case 'login':
      return { result: login(state, command, ctx, limits), message: null };
    case 'createChannel':
      return { result: createChannel(state, command, ctx, limits), message: null };
    case 'publish': {
      const message = publish(state, command, ctx, limits);
      return { result: message, message };
    }
    case 'send': {
      const message = send(state, command, ctx, limits);
      return { result: message, message };
    }
    case 'published':
      return { result: published(state, command, ctx), message: null };
  }
}

function login(state: ChatState, command: LoginCommand, ctx: ApplyContext, limits: ChatLimits): LoginResult {
  const existing = state.users.get(command.user);
  if (existing) {
    existing.lastLoginMs = ctx.logTimeMs;
    existing.logins++;
    return { user: command.user, created: false, logins: existing.logins, clock: ctx.lamport, timestampMs: ctx.logTimeMs };
  }
  if (state.users.size >= limits.maxUsers) {
    throw new CommandRejectedError(CommandRejectedCode.PreconditionFailed, `the cluster already holds the maximum of ${limits.maxUsers} users`);
  }
  state.users.set(command.user, { firstLoginMs: ctx.logTimeMs, lastLoginMs: ctx.logTimeMs, logins: 1, inbox: emptyLog() });
  return { user: command.user, created: true, logins: 1, clock: ctx.lamport, timestampMs: ctx.logTimeMs };
}

function createChannel(state: ChatState, command: CreateChannelCommand, ctx: ApplyContext, limits: ChatLimits): CreateChannelResult {
  if (state.channels.has(command.channel)) {
    throw new CommandRejectedError(CommandRejectedCode.PreconditionFailed, `channel ${JSON.stringify(command.channel)} already exists`);
  }
  if (state.channels.size >= limits.maxChannels) {
    throw new CommandRejectedError(CommandRejectedCode.PreconditionFailed, `the cluster already holds the maximum of ${limits.maxChannels} channels`);
  }
  state.channels.set(command.channel, { createdMs: ctx.logTimeMs, createdClock: ctx.lamport, history: emptyLog() });
  return { channel: command.channel, clock: ctx.lamport, timestampMs: ctx.logTimeMs };
}

function publish(state: ChatState, command: PublishCommand, ctx: ApplyContext, limits: ChatLimits): ChannelMessage {
  const channel = state.channels.get(command.channel);
  if (!channel) throw new CommandRejectedError(CommandRejectedCode.NotFound, `channel ${JSON.stringify(command.channel)} does not exist`);
  requireLoggedIn(state, command.user);
  const message: ChannelMessage = {
    kind: 'channel',
    id: ctx.index,
    seq: channel.history.lastSeq + 1,
    channel: command.channel,
    user: command.user,
    message: command.message,
    clock: ctx.lamport,
    timestampMs: ctx.logTimeMs,
  };
  appendToLog(channel.history, message, limits.maxChannelHistory);
  enqueueForPublication(state, message, limits.maxOutbox);
  return message;
}

function send(state: ChatState, command: SendCommand, ctx: ApplyContext, limits: ChatLimits): PrivateMessage {
  const recipient = state.users.get(command.dst);
  if (!recipient) throw new CommandRejectedError(CommandRejectedCode.NotFound, `user ${JSON.stringify(command.dst)} does not exist`);
  requireLoggedIn(state, command.src);
  const message: PrivateMessage = {
    kind: 'private',
    id: ctx.index,
    seq: recipient.inbox.lastSeq + 1,
    src: command.src,
    dst: command.dst,
    message: command.message,
    clock: ctx.lamport,
    timestampMs: ctx.logTimeMs,
  };
  appendToLog(recipient.inbox, message, limits.maxInboxHistory);
  enqueueForPublication(state, message, limits.maxOutbox);
  return message;
}

/** A marker can only cover entries before itself: the clamp keeps a bogus marker from skipping the future. */
function published(state: ChatState, command: PublishedCommand, ctx: ApplyContext): PublishedResult {
  markPublished(state, Math.min(command.upTo, ctx.index - 1));
  return { publishedUpTo: state.publishedUpTo };
}

function requireLoggedIn(state: ChatState, user: string): void {
  if (!state.users.has(user)) {
    throw new CommandRejectedError(CommandRejectedCode.PreconditionFailed, `user ${JSON.stringify(user)} has not logged in; log in first`);
  }
}
