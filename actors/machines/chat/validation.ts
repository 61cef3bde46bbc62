// Validation of chat commands and queries: runs before proposing and again at apply time, so every
// rule here is a pure function of the input and the cluster-wide limits. User and channel names are
// NATS-subject-safe (they become the last token of `atlas.<cluster>.chat.{channel,user}.<name>`).

import { isNonNegativeSafeInteger, isPlainObject, isWellFormedUtf16, utf8ByteLength } from '../codec.ts';
import { CommandRejectedCode, CommandRejectedError, badRequest } from '../errors.ts';
import { isSubjectSafeName } from '../../transport/subjects.ts';
import type { ChatCommand, ChatQuery } from './commands.ts';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './limits.ts';
import type { ChatLimits } from './limits.ts';

export type ChatNameRole = 'user' | 'channel' | 'src' | 'dst';

/** Returns null when `name` is a valid user or channel name, else why not. */
export function chatNameProblem(name: unknown, role: ChatNameRole): string | null {
  if (isSubjectSafeName(name)) return null;
  return `${role} must be 1-64 characters of A-Z a-z 0-9 _ - (got ${JSON.stringify(name) ?? String(name)})`;
}

/** Returns null when `text` is an acceptable message text, else the rejection. */
export function messageProblem(text: unknown, limits: ChatLimits): CommandRejectedError | null {
  if (typeof text !== 'string' || text.length === 0) return badRequest('message must be a non-empty string');
  if (!isWellFormedUtf16(text)) return badRequest('message is not valid UTF-8');
  const bytes = utf8ByteLength(text);
  if (bytes > limits.maxMessageBytes) {
    return new CommandRejectedError(CommandRejectedCode.TooLarge, `message is ${bytes} bytes; the limit is ${limits.maxMessageBytes}`);
  }
  return null;
}

export function validateChatCommand(input: unknown, limits: ChatLimits): ChatCommand {
  if (!isPlainObject(input)) throw badRequest('command must be an object');
  switch (input.type) {
    case 'login':
      onlyFields(input, ['type', 'user']);
      return { type: 'login', user: name(input.user, 'user') };
    case 'createChannel':
      onlyFields(input, ['type', 'channel']);
      return { type: 'createChannel', channel: name(input.channel, 'channel') };
    case 'publish':
      onlyFields(input, ['type', 'channel', 'user', 'message']);
      return {
        type: 'publish',
        channel: name(input.channel, 'channel'),
        user: name(input.user, 'user'),
        message: text(input.message, limits),
      };
    case 'send':
      onlyFields(input, ['type', 'src', 'dst', 'message']);
      return { type: 'send', src: name(input.src, 'src'), dst: name(input.dst, 'dst'), message: text(input.message, limits) };
    case 'published':
      onlyFields(input, ['type', 'upTo']);
      if (!isNonNegativeSafeInteger(input.upTo)) throw badRequest('upTo must be a non-negative integer');
      return { type: 'published', upTo: input.upTo };
    default:
      throw badRequest('command type must be one of login, createChannel, publish, send, published');
  }
}

export function validateChatQuery(input: unknown): ChatQuery {
  if (!isPlainObject(input)) throw badRequest('query must be an object');
  switch (input.type) {
    case 'users':
    case 'channels':
      onlyFields(input, ['type']);
      return { type: input.type };
    case 'history':
      onlyFields(input, ['type', 'channel', 'after', 'limit']);
      return { type: 'history', channel: name(input.channel, 'channel'), after: after(input.after), limit: limit(input.limit) };
    case 'inbox':
      onlyFields(input, ['type', 'user', 'after', 'limit']);
      return { type: 'inbox', user: name(input.user, 'user'), after: after(input.after), limit: limit(input.limit) };
    case 'outbox':
      onlyFields(input, ['type', 'after', 'limit']);
      return { type: 'outbox', after: after(input.after), limit: limit(input.limit) };
    default:
      throw badRequest('query type must be one of users, channels, history, inbox, outbox');
  }
}

function name(value: unknown, role: ChatNameRole): string {
  const problem = chatNameProblem(value, role);
  if (problem) throw badRequest(problem);
  return value as string;
}

function text(value: unknown, limits: ChatLimits): string {
  const problem = messageProblem(value, limits);
  if (problem) throw problem;
  return value as string;
}

function after(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (!isNonNegativeSafeInteger(value)) throw badRequest('after must be a non-negative integer');
  return value;
}

function limit(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_PAGE_LIMIT;
  if (!isNonNegativeSafeInteger(value) || value < 1 || value > MAX_PAGE_LIMIT) {
    throw badRequest(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  return value;
}

/** Unknown fields are refused (absent optional fields may be sent as null). */
function onlyFields(value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const [field, fieldValue] of Object.entries(value)) {
    if (fieldValue !== undefined && fieldValue !== null && !allowed.includes(field)) {
      throw badRequest(`${String(value.type)} has unknown field ${JSON.stringify(field)}`);
    }
  }
}
