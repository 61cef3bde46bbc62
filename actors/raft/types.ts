// The consensus core's vocabulary: log entries, durable state, cluster configuration, wire messages and
// the Ready batch the core hands to its shell. Nothing here performs I/O.

export type NodeId = string;

/** Log entry kinds. `Noop` is appended by every new leader; `Config` carries a whole ClusterConfig. */
export const EntryType = { Noop: 0, Command: 1, Config: 2 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/**
 * One log record. Immutable once created: the core never mutates an entry it has handed out.
 * `lamport` is the leader's Lamport clock when it appended the entry.
 * `data` is opaque to the core for Command entries, an encoded ClusterConfig for Config entries
 * (see config.ts), and empty for Noop entries.
 */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly lamport: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** State that must be durable before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
  /**
   * An upper bound on every Lamport time this replica has handed out. A restarted replica resumes its
   * clock from here, so its clock never goes backwards. Raised rarely (see raft.ts LAMPORT_LEASE).
   */
  readonly lamportCeiling?: number;
}

/** Voters form quorums; learners receive the log but neither vote nor count toward commit. */
export interface ClusterConfig {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  /** Last log index the snapshot covers. */
  readonly index: number;
  /** Term of the entry at `index`. */
  readonly term: number;
  /** Configuration in force at `index`. */
  readonly config: ClusterConfig;
  /** Lamport clock of the entry at `index`. */
  readonly lamport: number;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** State-machine bytes, opaque to the core. */
  readonly data: Uint8Array;
}

// ---------------------------------------------------------------------------------------------------
// Messages. Every message carries the sender's term and its Lamport clock at send time.

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly lamport: number;
}

/** A candidate asks whether it could win an election at `term` (which it has NOT adopted yet). */
export interface PreVote extends Envelope {
  readonly type: 'PreVote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}
export interface PreVoteResponse extends Envelope {
  readonly type: 'PreVoteResponse';
  readonly reject: boolean;
}
export interface Vote extends Envelope {
  readonly type: 'Vote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set when the election was started by a leadership transfer: voters ignore their leader lease. */
  readonly transfer: boolean;
}
export interface VoteResponse extends Envelope {
  readonly type: 'VoteResponse';
  readonly reject: boolean;
}
/** Log replication. `entries[i].index === prevIndex + 1 + i`. */
export interface Append extends Envelope {
  readonly type: 'Append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}
/**
 * On success `index` is the follower's last index matching the leader's log.
 * On rejection `index` is the rejected `prevIndex`, and (`hintIndex`, `hintTerm`) is the follower's
 * best guess for a matching point: the last index at or below `prevIndex` whose term is <= the leader's
 * `prevTerm` (fast backtracking: one round trip skips a whole conflicting term).
 */
export interface AppendResponse extends Envelope {
  readonly type: 'AppendResponse';
  readonly reject: boolean;
  readonly index: number;
  readonly hintIndex: number;
  readonly hintTerm: number;
}
/** Leader liveness and ReadIndex confirmation. `readSeq` is echoed in the response. */
export interface Heartbeat extends Envelope {
  readonly type: 'Heartbeat';
  readonly commit: number;
  readonly readSeq: number;
}
export interface HeartbeatResponse extends Envelope {
  readonly type: 'HeartbeatResponse';
  readonly readSeq: number;
  /** The follower's last log index, so a leader can notice a follower that fell behind. */
  readonly lastIndex: number;
  /**
   * The follower's commit and applied index, for the leader's member status; absent from a sender that
   * predates them (the wire keeps them optional). They never affect consensus.
   */
  readonly commit?: number;
  readonly applied?: number;
}
/** One chunk of a snapshot. Chunks are sent one at a time; `offset` is the byte offset of `chunk`. */
export interface InstallSnapshot extends Envelope {
  readonly type: 'InstallSnapshot';
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly chunk: Uint8Array;
  readonly done: boolean;
}
/** `offset` is the next byte the follower expects; `reject` asks the leader to restart the transfer. */
export interface InstallSnapshotResponse extends Envelope {
  readonly type: 'InstallSnapshotResponse';
  readonly snapshotIndex: number;
  readonly offset: number;
  readonly reject: boolean;
}
/** Leadership transfer: the target campaigns at once. */
export interface TimeoutNow extends Envelope {
  readonly type: 'TimeoutNow';
}
/** A follower asks the leader for a read index on behalf of its clients. */
export interface ReadIndexRequest extends Envelope {
  readonly type: 'ReadIndex';
  readonly context: string;
}
/** `index` is meaningful only when `reject` is false. */
export interface ReadIndexResponse extends Envelope {
  readonly type: 'ReadIndexResponse';
  readonly context: string;
  readonly index: number;
  readonly reject: boolean;
}

/**
 * A follower hands its clients' commands to the leader, which appends them in one batch. Handled by
 * the replica (actors/replica/forwarding.ts), not by the core: the leader stamps each command with its
 * own clock, as it does its own proposals. `seq` is echoed in the response.
 */
export interface Forward extends Envelope {
  readonly type: 'Forward';
  readonly seq: number;
  readonly proposals: readonly ForwardedProposal[];
}
export interface ForwardedProposal {
  readonly machine: string;
  /** The command, validated by the follower's machine and canonically encoded. */
  readonly command: Uint8Array;
  /** '' when the client gave none. */
  readonly idempotencyKey: string;
}
/**
 * The leader's answer to a Forward: its proposals are the entries `firstIndex`, `firstIndex + 1`, ...
 * of this message's term; or `reject`: none was appended (the receiver was not the leader of `term`).
 */
export interface ForwardResponse extends Envelope {
  readonly type: 'ForwardResponse';
  readonly seq: number;
  readonly firstIndex: number;
  readonly reject: boolean;
}

/** A blank replica asks a voter for its current term (see blank-start.ts); answered by any role. */
export interface Probe extends Envelope {
  readonly type: 'Probe';
  readonly nonce: number;
}
/** The answer to a Probe: the answering replica's term travels in the envelope. */
export interface ProbeResponse extends Envelope {
  readonly type: 'ProbeResponse';
  readonly nonce: number;
}

export type Message =
  | PreVote
  | PreVoteResponse
  | Vote
  | VoteResponse
  | Append
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | InstallSnapshotResponse
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse
  | Forward
  | ForwardResponse
  | Probe
  | ProbeResponse;

export type MessageType = Message['type'];

export const MESSAGE_TYPES: readonly MessageType[] = [
  'PreVote',
  'PreVoteResponse',
  'Vote',
  'VoteResponse',
  'Append',
  'AppendResponse',
  'Heartbeat',
  'HeartbeatResponse',
  'InstallSnapshot',
  'InstallSnapshotResponse',
  'TimeoutNow',
  'ReadIndex',
  'ReadIndexResponse',
  'Forward',
  'ForwardResponse',
  'Probe',
  'ProbeResponse',
];

// ---------------------------------------------------------------------------------------------------
// The core's output.

/** A confirmed linearizable read point: serve `context`'s read once applied index >= `index`. */
export interface ReadState {
  readonly context: string;
  readonly index: number;
}

/** A read the core could not serve (lost leadership, unknown leader); the shell should retry or fail. */
export interface ReadFailure {
  readonly context: string;
  readonly reason: 'not_leader' | 'no_leader';
}

export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly term: number;
}

/**
 * Everything the shell must do, in this order:
 *   1. send `messages` (they do not depend on local durability: the leader's own appends, heartbeats);
 *   2. make `snapshot`, `entries` and `hardState` durable with ONE sync
 *      (`entries[0].index` may be <= the stored last index: truncate the stored suffix from there first);
 *   3. only then send `messagesAfterPersist` (votes and acknowledgements that promise durability);
 *   4. install `snapshot` into the state machine if present, then apply `committed` in order;
 *   5. call `advance(ready)`.
 * The core never produces a Ready whose `messagesAfterPersist` depend on state outside this Ready or
 * earlier, already-advanced Readys.
 */
export interface Ready {
  readonly soft: SoftState;
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly messages: readonly Message[];
  readonly messagesAfterPersist: readonly Message[];
  readonly committed: readonly Entry[];
  readonly readStates: readonly ReadState[];
  readonly readFailures: readonly ReadFailure[];
}

/** What a replica's storage holds at start; handed to the core's constructor. */
export interface RestoredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous, in order. */
  readonly entries: readonly Entry[];
}
