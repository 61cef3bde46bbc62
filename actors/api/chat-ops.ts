// Executes the chat operations on a replica. Writes are chat machine commands proposed through the
// log on the leader (a follower has already forwarded them); reads are chat machine queries,
// linearizable unless the request says `consistency: "stale"`. Field validation is the machine's
// (one rule set for proposals and for the log), so every malformed request is a bad_request.
//
// Requests (plain objects; `clock` is the caller's Lamport clock and `idempotencyKey` makes a write
// safe to retry, as for every op):
//   chat.login    { user }                          -> LoginResult
//   chat.users    {}                                -> { users }
//   chat.channel  { channel }                       -> CreateChannelResult (precondition_failed if it exists)
//   chat.channels {}                                -> { channels }
//   chat.publish  { channel, user, message }        -> ChannelMessage (not_found for an unknown channel)
//   chat.message  { src, dst, message }             -> PrivateMessage (not_found for an unknown dst)
//   chat.history  { channel, after?, limit? }       -> MessagePage<ChannelMessage>
//   chat.inbox    { user, after?, limit? }          -> MessagePage<PrivateMessage>

import type { ChatOp } from './chat-op-names.ts';

type Request = Record<string, unknown>;

/** What the replica API lends the chat ops. */
export interface ChatOpPort {
  /** Proposes a chat command (this replica must lead) and resolves with the machine's result. */
  write(command: Record<string, unknown>, request: Request, deadline: number): Promise<unknown>;
  /** Runs a chat query at the consistency the request asks for. */
  read(query: Record<string, unknown>, request: Request, deadline: number): Promise<unknown>;
}

export function runChatOp(op: ChatOp, r: Request, deadline: number, port: ChatOpPort): Promise<unknown> {
  switch (op) {
    case 'chat.login':
      return port.write({ type: 'login', user: r.user }, r, deadline);
    case 'chat.channel':
      return port.write({ type: 'createChannel', channel: r.channel }, r, deadline);
    case 'chat.publish':
      return port.write({ type: 'publish', channel: r.channel, user: r.user, message: r.message }, r, deadline);
    case 'chat.message':
      return port.write({ type: 'send', src: r.src, dst: r.dst, message: r.message }, r, deadline);
    case 'chat.users':
      return port.read({ type: 'users' }, r, deadline);
    case 'chat.channels':
      return port.read({ type: 'channels' }, r, deadline);
    case 'chat.history':
      return port.read({ type: 'history', channel: r.channel, after: r.after, limit: r.limit }, r, deadline);
    case 'chat.inbox':
      return port.read({ type: 'inbox', user: r.user, after: r.after, limit: r.limit }, r, deadline);
  }
}
