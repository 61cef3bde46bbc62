// The chat machine's vocabulary (seed 001: login, users, channel, channels, publish, message):
// commands (replicated), results, queries and the messages it stores. Everything is plain
// msgpack-able data.
//
// Identifiers of a message:
// - `id` is the log index of the entry that committed it: unique in the cluster, increasing in commit
//   order, identical on every replica. It is the publication id (`Nats-Msg-Id`) on NATS.
// - `seq` numbers the messages of one channel (or of one user's inbox) 1, 2, 3, … with no gaps: it is
//   the `after=` cursor of history pages and the SSE event id of streams.
// `clock` is the leader's Lamport clock when it appended the entry, `timestampMs` the entry's log time.

/** Registers `user` (again: a repeated login records it and succeeds). */
export interface LoginCommand {
  readonly type: 'login';
  readonly user: string;
}

/** Creates `channel`; refused with precondition_failed when it exists. */
export interface CreateChannelCommand {
  readonly type: 'createChannel';
  readonly channel: string;
}

/** A publication by `user` (who must have logged in) on an existing `channel`. */
export interface PublishCommand {
  readonly type: 'publish';
  readonly channel: string;
  readonly user: string;
  readonly message: string;
}

/** A private message from `src` (who must have logged in) to `dst` (who must exist). */
export interface SendCommand {
  readonly type: 'send';
  readonly src: string;
  readonly dst: string;
  readonly message: string;
}

/**
 * Proposed by the leader after it published every message with `id <= upTo` on NATS: raises
 * `publishedUpTo` (never lowers it, never past the marker's own index) and drops those messages from
 * the outbox.
 */
export interface PublishedCommand {
  readonly type: 'published';
  readonly upTo: number;
}

export type ChatCommand = LoginCommand | CreateChannelCommand | PublishCommand | SendCommand | PublishedCommand;

export interface ChannelMessage {
  readonly kind: 'channel';
  readonly id: number;
  readonly seq: number;
  readonly channel: string;
  readonly user: string;
  readonly message: string;
  readonly clock: number;
  readonly timestampMs: number;
}

export interface PrivateMessage {
  readonly kind: 'private';
  readonly id: number;
  readonly seq: number;
  readonly src: string;
  readonly dst: string;
  readonly message: string;
  readonly clock: number;
  readonly timestampMs: number;
}

export type ChatMessage = ChannelMessage | PrivateMessage;

export interface LoginResult {
  readonly user: string;
  /** False when the user had logged in before. */
  readonly created: boolean;
  readonly logins: number;
  readonly clock: number;
  readonly timestampMs: number;
}

export interface CreateChannelResult {
  readonly channel: string;
  readonly clock: number;
  readonly timestampMs: number;
}

export interface PublishedResult {
  readonly publishedUpTo: number;
}

export type ChatResult = LoginResult | CreateChannelResult | ChannelMessage | PrivateMessage | PublishedResult;

/** Result type of each command type. */
export interface ChatResults {
  login: LoginResult;
  createChannel: CreateChannelResult;
  publish: ChannelMessage;
  send: PrivateMessage;
  published: PublishedResult;
}

// ---------------------------------------------------------------------------------------------------
// Queries (local reads; the API makes them linearizable with a read index first).

export type ChatQuery =
  | { readonly type: 'users' }
  | { readonly type: 'channels' }
  /** A channel's messages with seq > `after` (default 0), at most `limit` (1–1000, default 100). */
  | { readonly type: 'history'; readonly channel: string; readonly after?: number; readonly limit?: number }
  /** A user's private messages, likewise. */
  | { readonly type: 'inbox'; readonly user: string; readonly after?: number; readonly limit?: number }
  /** Messages not yet covered by a committed `published` marker, id order, at most `limit`. */
  | { readonly type: 'outbox'; readonly after?: number; readonly limit?: number };

/**
 * One page of a channel's or an inbox's messages, oldest first. `next` is the last returned seq when
 * more remain (pass it as `after`), else null. `lastSeq` is the newest seq (0 before any message);
 * `firstSeq` the oldest one still retained (older ones were trimmed), `lastSeq + 1` when none is.
 */
export interface MessagePage<M extends ChatMessage = ChatMessage> {
  readonly messages: readonly M[];
  readonly next: number | null;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface OutboxPage {
  readonly publishedUpTo: number;
  readonly messages: readonly ChatMessage[];
  /** Messages evicted from a full outbox before any leader published them (never published). */
  readonly droppedUnpublished: number;
}

export interface ChatQueryResults {
  users: { readonly users: readonly string[] };
  channels: { readonly channels: readonly string[] };
  history: MessagePage<ChannelMessage>;
  inbox: MessagePage<PrivateMessage>;
  outbox: OutboxPage;
}

export type ChatQueryResult = ChatQueryResults[keyof ChatQueryResults];
