// Read-only queries over the chat state. Local: they read this replica's applied state (the API makes
// them linearizable by waiting for a read index first). Names are listed in code-point order.

import { CommandRejectedCode, CommandRejectedError } from '../errors.ts';
import type { ChatMessage, ChatQuery, ChatQueryResult, MessagePage, OutboxPage } from './commands.ts';
import type { ChatState, MessageLog } from './state.ts';

export function runChatQuery(state: ChatState, query: ChatQuery): ChatQueryResult {
  switch (query.type) {
    case 'users':
      return { users: sortedNames(state.users.keys()) };
    case 'channels':
      return { channels: sortedNames(state.channels.keys()) };
    case 'history': {
      const channel = state.channels.get(query.channel);
      if (!channel) throw new CommandRejectedError(CommandRejectedCode.NotFound, `channel ${JSON.stringify(query.channel)} does not exist`);
      return page(channel.history, query.after ?? 0, query.limit ?? 100);
    }
    case 'inbox': {
      const user = state.users.get(query.user);
      if (!user) throw new CommandRejectedError(CommandRejectedCode.NotFound, `user ${JSON.stringify(query.user)} does not exist`);
      return page(user.inbox, query.after ?? 0, query.limit ?? 100);
    }
    case 'outbox':
      return outbox(state, query.after ?? 0, query.limit ?? 100);
  }
}

/** Messages with seq > after, oldest first. Trimmed messages are skipped: the page starts at firstSeq. */
export function page<M extends ChatMessage>(log: MessageLog<M>, after: number, limit: number): MessagePage<M> {
  const start = Math.max(0, Math.min(log.messages.length, after - log.firstSeq + 1));
  const messages = log.messages.slice(start, start + limit);
  const more = start + messages.length < log.messages.length;
  return {
    messages,
    next: more && messages.length > 0 ? messages[messages.length - 1]!.seq : null,
    firstSeq: log.firstSeq,
    lastSeq: log.lastSeq,
  };
}

/** The outbox is in id order: the page starts at the first id above `after`. */
function outbox(state: ChatState, after: number, limit: number): OutboxPage {
  let low = 0;
  let high = state.outbox.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (state.outbox[mid]!.id <= after) low = mid + 1;
    else high = mid;
  }
  const messages = state.outbox.slice(low, low + limit);
  return { publishedUpTo: state.publishedUpTo, messages, droppedUnpublished: state.droppedUnpublished };
}

function sortedNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
