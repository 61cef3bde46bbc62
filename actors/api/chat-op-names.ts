// The chat operations of the client API (seed 001's services), served like every other op over HTTP,
// NATS request/reply (`atlas.<cluster>.api.chat.<op>`) and in process. Names only: ops.ts imports
// this file, so it must not import anything that imports ops.ts.

export const CHAT_OPS = [
  'chat.login',
  'chat.users',
  'chat.channel',
  'chat.channels',
  'chat.publish',
  'chat.message',
  'chat.history',
  'chat.inbox',
] as const;
export type ChatOp = (typeof CHAT_OPS)[number];

/** Chat ops that go through the log, so a follower forwards them to the leader. */
export const CHAT_WRITE_OPS = ['chat.login', 'chat.channel', 'chat.publish', 'chat.message'] as const satisfies readonly ChatOp[];

export function isChatOp(value: string): value is ChatOp {
  return (CHAT_OPS as readonly string[]).includes(value);
}
