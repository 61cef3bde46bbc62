// The operations of the client API, shared by HTTP (functions/), NATS request/reply
// (`atlas.<cluster>.api.<op>`) and in-process callers. Requests are plain objects; values are bytes.

import type { WatchEvent } from '../machines/kv/commands.ts';
import { CHAT_OPS, CHAT_WRITE_OPS } from './chat-op-names.ts';
import { LOG_OPS } from './log-op-names.ts';
import type { ApiErrorBody } from './errors.ts';

export const API_OPS = [
  'kv.put',
  'kv.get',
  'kv.delete',
  'kv.list',
  'txn',
  'propose',
  'query',
  'status',
  'leader',
  'members.list',
  'members.add',
  'members.promote',
  'members.remove',
  'leader.transfer',
  'watch.history',
  'watch.interest',
  'metrics',
  'batch',
  'snapshot.begin',
  'snapshot.read',
  ...LOG_OPS,
  ...CHAT_OPS,
] as const;
export type ApiOp = (typeof API_OPS)[number];

export function isApiOp(value: string): value is ApiOp {
  return (API_OPS as readonly string[]).includes(value);
}

/** Ops that change state or need the leader's view; a follower forwards them to the leader. */
export const LEADER_OPS: ReadonlySet<ApiOp> = new Set<ApiOp>([
  'kv.put',
  'kv.delete',
  'txn',
  'propose',
  'status',
  'members.add',
  'members.promote',
  'members.remove',
  'leader.transfer',
  ...CHAT_WRITE_OPS,
]);

export type Consistency = 'linearizable' | 'stale';

export interface PutRequest {
  readonly key: string;
  readonly value: Uint8Array;
  readonly ifRevision?: number;
  readonly ifAbsent?: boolean;
  readonly ttlSeconds?: number;
  readonly idempotencyKey?: string;
}
export interface PutReply {
  readonly key: string;
  readonly revision: number;
  readonly lamport: number;
}
export interface GetRequest {
  readonly key: string;
  readonly consistency?: Consistency;
}
export interface GetReply {
  readonly key: string;
  readonly value: Uint8Array;
  readonly revision: number;
  readonly createRevision: number;
  readonly version: number;
  readonly lamport: number;
  readonly appliedIndex: number;
}
export interface DeleteRequest {
  readonly key: string;
  readonly ifRevision?: number;
  readonly idempotencyKey?: string;
}
export interface DeleteReply {
  readonly key: string;
  readonly revision: number;
  readonly deleted: boolean;
}
export interface ListRequest {
  readonly prefix?: string;
  readonly after?: string;
  readonly limit?: number;
  readonly consistency?: Consistency;
}
export interface ProposeRequest {
  readonly machine: string;
  readonly command: unknown;
  readonly wait?: boolean;
  readonly idempotencyKey?: string;
}
export interface ProposeReply {
  readonly index: number;
  readonly result?: unknown;
  readonly duplicate?: boolean;
}
export interface MemberView {
  readonly id: string;
  readonly role: 'leader' | 'follower' | 'learner';
  readonly matchIndex: number;
  readonly lag: number;
  readonly lastContactMs: number | null;
  /**
   * The member's commit and applied index and Lamport clock: the answering replica's own for itself,
   * for the others what they last reported to it (it leads); null when it has no report.
   */
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly lamport: number | null;
}
export interface StatusReply {
  readonly cluster: string;
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly lamport: number;
  readonly members: readonly MemberView[];
}
export interface WatchHistoryReply {
  readonly events: readonly WatchEvent[];
  /** Store revision the history was read at. */
  readonly revision: number;
}

/** Every reply: a result or an error, plus the serving replica's Lamport clock after the operation. */
export type ApiReply<T = unknown> =
  | { readonly ok: true; readonly result: T; readonly lamport: number }
  | { readonly ok: false; readonly error: ApiErrorBody; readonly lamport: number };

export interface ApiCallOptions {
  /** Milliseconds the caller will wait. */
  readonly timeoutMs: number;
  /** Set when the request was already forwarded once: never forward again. */
  readonly forwarded?: boolean;
}

/** Executes one API operation somewhere: on a local replica, or over NATS on the leader. */
export type ApiCall = (op: ApiOp, request: Record<string, unknown>, options: ApiCallOptions) => Promise<ApiReply>;
