// The chat machine (seed 001): users, channels, channel publications and private messages, plus the
// bookkeeping that lets the leader publish each committed message on NATS once (`publishedUpTo` and
// the outbox). createChatMachine() returns one machine per host: its listeners belong to the state
// that host applies, so never register one instance in two hosts.

import { defineMachine } from '../types.ts';
import type { MachineDefinition } from '../types.ts';
import { applyChatCommand } from './apply.ts';
import type { ChatCommand, ChatQuery, ChatQueryResult, ChatResult } from './commands.ts';
import { DEFAULT_CHAT_LIMITS } from './limits.ts';
import type { ChatLimits } from './limits.ts';
import { ChatNotifier } from './notices.ts';
import type { ChatListener } from './notices.ts';
import { runChatQuery } from './queries.ts';
import { restoreChatState, snapshotChatState } from './snapshot.ts';
import { createChatState } from './state.ts';
import type { ChatState } from './state.ts';
import { validateChatCommand, validateChatQuery } from './validation.ts';

export const CHAT_MACHINE_NAME = 'chat';

export interface ChatMachineOptions extends Partial<ChatLimits> {
  /** Called when a listener throws; default console.error. */
  readonly onListenerError?: (error: unknown) => void;
}

export interface ChatMachine extends MachineDefinition<ChatState, ChatCommand, ChatResult, ChatQuery, ChatQueryResult> {
  readonly limits: ChatLimits;
  /** Called after each stored message (in log order) and when a snapshot is restored. */
  subscribe(listener: ChatListener): () => void;
}

export function createChatMachine(options: ChatMachineOptions = {}): ChatMachine {
  const limits: ChatLimits = {
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_CHAT_LIMITS.maxMessageBytes,
    maxChannelHistory: options.maxChannelHistory ?? DEFAULT_CHAT_LIMITS.maxChannelHistory,
    maxInboxHistory: options.maxInboxHistory ?? DEFAULT_CHAT_LIMITS.maxInboxHistory,
    maxOutbox: options.maxOutbox ?? DEFAULT_CHAT_LIMITS.maxOutbox,
    maxUsers: options.maxUsers ?? DEFAULT_CHAT_LIMITS.maxUsers,
    maxChannels: options.maxChannels ?? DEFAULT_CHAT_LIMITS.maxChannels,
  };
  const notifier = new ChatNotifier(options.onListenerError ?? ((error) => console.error('chat listener failed', error)));

  const definition = defineMachine<ChatState, ChatCommand, ChatResult, ChatQuery, ChatQueryResult>({
    name: CHAT_MACHINE_NAME,
    init: createChatState,
    validate: (command) => validateChatCommand(command, limits),
    apply(state, command, ctx) {
      const applied = applyChatCommand(state, command, ctx, limits);
      if (applied.message) notifier.notify({ type: 'message', message: applied.message });
      return applied.result;
    },
    query: (state, query) => runChatQuery(state, validateChatQuery(query)),
    snapshot: snapshotChatState,
    restore(data) {
      const state = restoreChatState(data);
      notifier.notify({ type: 'reset' });
      return state;
    },
  });

  return { ...definition, limits, subscribe: (listener) => notifier.subscribe(listener) };
}
