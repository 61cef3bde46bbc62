// The KV machine's vocabulary: commands (replicated), their results, queries and watch events.
// Every result and event is plain msgpack-able data. Revisions: the store revision starts at 0 and
// advances by exactly one per applied command or transaction that writes something.

/** Create or replace `key`. `ifRevision` = If-Match (the key's modRevision, 0 = absent);
 *  `ifAbsent` = If-None-Match: * (a deleted key counts as absent). At most one of the two. */
export interface PutCommand {
  readonly type: 'put';
  readonly key: string;
  readonly value: Uint8Array;
  readonly ifRevision?: number;
  readonly ifAbsent?: true;
  /** The key expires this many seconds of log time after the put; a put without it clears any TTL. */
  readonly ttlSeconds?: number;
}

export interface DeleteCommand {
  readonly type: 'delete';
  readonly key: string;
  readonly ifRevision?: number;
}

/** A transaction's guard. `revision` compares the key's modRevision (0 when absent). */
export type TxnCompare =
  | { readonly key: string; readonly revision: number }
  | { readonly key: string; readonly exists: boolean }
  | { readonly key: string; readonly value: Uint8Array };

/** Ops run in order; a get sees the writes before it. A branch writes each key at most once. */
export type TxnOp =
  | { readonly op: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'get'; readonly key: string };

export interface TxnCommand {
  readonly type: 'txn';
  readonly compare: readonly TxnCompare[];
  readonly success: readonly TxnOp[];
  readonly failure: readonly TxnOp[];
}

/** A key whose TTL passed, as the leader saw it: deleted only if still at `modRevision`. */
export interface ExpireTarget {
  readonly key: string;
  readonly modRevision: number;
}

/** Proposed by the leader from the `expired` query. A key is deleted only if its modRevision is
 *  unchanged and its `expiresAtMs <= ctx.logTimeMs`. */
export interface ExpireCommand {
  readonly type: 'expire';
  readonly keys: readonly ExpireTarget[];
}

export type KvCommand = PutCommand | DeleteCommand | TxnCommand | ExpireCommand;

/** A conditional write whose condition did not hold. `revision` is the key's modRevision (0 when absent). */
export interface PreconditionFailed {
  readonly ok: false;
  readonly code: 'precondition_failed';
  readonly key: string;
  readonly revision: number;
}

export type PutResult =
  | { readonly ok: true; readonly key: string; readonly revision: number; readonly lamport: number }
  | PreconditionFailed;

/** `revision` is the delete's revision, or the unchanged store revision when nothing was deleted. */
export type DeleteResult =
  | { readonly ok: true; readonly key: string; readonly revision: number; readonly deleted: boolean }
  | PreconditionFailed;

export type TxnOpResult =
  | { readonly op: 'put'; readonly key: string; readonly revision: number }
  | { readonly op: 'delete'; readonly key: string; readonly deleted: boolean }
  | { readonly op: 'get'; readonly key: string; readonly value: Uint8Array | null; readonly revision: number };

/** `revision` is the transaction's revision if it wrote, else the unchanged store revision. */
export interface TxnResult {
  readonly succeeded: boolean;
  readonly revision: number;
  readonly results: readonly TxnOpResult[];
}

export interface ExpireResult {
  readonly revision: number;
  readonly expired: readonly string[];
}

export type KvResult = PutResult | DeleteResult | TxnResult | ExpireResult;

/** Result type of each command type. */
export interface KvResults {
  put: PutResult;
  delete: DeleteResult;
  txn: TxnResult;
  expire: ExpireResult;
}

// ---------------------------------------------------------------------------------------------------
// Queries (local reads; never replicated).

export type KvQuery =
  | { readonly type: 'get'; readonly key: string }
  /** Keys starting with `prefix` (default ''), strictly after `after`, at most `limit` (1–1000, default 100). */
  | { readonly type: 'list'; readonly prefix?: string; readonly after?: string; readonly limit?: number }
  | { readonly type: 'revision' }
  /** Keys whose TTL passed at `nowMs`, soonest first, at most `limit` (1–1000, default 100). */
  | { readonly type: 'expired'; readonly nowMs: number; readonly limit?: number }
  | { readonly type: 'tombstone'; readonly key: string };

export interface KvEntryView {
  readonly key: string;
  /** Owned by the store: read it, never mutate it. */
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  /** Puts since the key was (re)created, starting at 1. */
  readonly version: number;
  readonly lamport: number;
  readonly expiresAtMs?: number;
}

export interface KvListItem {
  readonly key: string;
  /** The key's modRevision. */
  readonly revision: number;
  readonly value: Uint8Array;
}

/** `next` is the last returned key when more remain (pass it as `after`), else null.
 *  `revision` is the store revision the page was read at. */
export interface KvListResult {
  readonly items: readonly KvListItem[];
  readonly next: string | null;
  readonly revision: number;
}

export interface TombstoneView {
  readonly key: string;
  /** Revision of the delete. */
  readonly revision: number;
  readonly lamport: number;
}

/** Result type of each query type. */
export interface KvQueryResults {
  get: KvEntryView | null;
  list: KvListResult;
  revision: { readonly revision: number };
  expired: { readonly keys: readonly ExpireTarget[] };
  tombstone: TombstoneView | null;
}

export type KvQueryResult = KvQueryResults[keyof KvQueryResults];

// ---------------------------------------------------------------------------------------------------
// Watch events.

/** One change. A transaction's events share its revision and are delivered together, in op order. */
export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly revision: number;
  readonly lamport: number;
  /** Present on puts; owned by the store, never mutate it. */
  readonly value?: Uint8Array;
}
