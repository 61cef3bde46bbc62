// The dashboard's member table: the leader's view of every member (GET /v1/status), completed with
// what the serving replica reports about itself in /metrics (fresher for that one). A member's commit
// and applied index and Lamport clock are what it last reported to the leader (its heartbeat responses;
// null from a replica too old to send them); a member's term is known only for the serving replica and
// for members the leader is in contact with (they acknowledged its messages, so they are at its term).
// A cell the cluster does not report is null, never guessed.

import type { MemberView, StatusReply } from '../../actors/api/ops.ts';

export type MemberHealth = 'ok' | 'lagging' | 'unreachable' | 'unknown';

export interface MemberRow {
  readonly id: string;
  readonly role: MemberView['role'];
  readonly term: number | null;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  /** Highest index the leader knows this member has on disk. */
  readonly matchIndex: number;
  /** Entries the member is behind the leader's last index. */
  readonly lag: number;
  /** Milliseconds since the leader last heard from it; null when it never did. */
  readonly lastContactMs: number | null;
  readonly lamport: number | null;
  readonly health: MemberHealth;
  /** True when the row is the last known view (no leader answered this time). */
  readonly stale: boolean;
}

/** What a replica serving the dashboard reports about itself (from its /metrics). */
export interface LocalReplicaView {
  readonly id: string;
  readonly isLeader: boolean;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lamport: number;
}

/** A follower silent this long is unreachable: two base election timeouts at the default 50 ms tick. */
export const UNREACHABLE_AFTER_MS = 1_000;
/** A member this many entries behind the leader is lagging. */
export const LAGGING_AFTER_ENTRIES = 1_000;

/**
 * Rows for `status` (the leader's view, `stale` when it is the last known one rather than a fresh
 * answer), in the order the leader lists its members.
 */
export function memberRows(status: StatusReply, stale: boolean, local: LocalReplicaView | null): MemberRow[] {
  return status.members.map((member) => {
    const isLeader = member.id === status.id && status.role === 'leader';
    const health = stale ? 'unknown' : memberHealth(member, isLeader);
    const inContact = isLeader || health === 'ok' || health === 'lagging';
    const own = local !== null && local.id === member.id ? local : null;
    return {
      id: member.id,
      role: member.role,
      term: own?.term ?? (inContact && !stale ? status.term : null),
      commitIndex: own?.commitIndex ?? member.commitIndex ?? (isLeader ? status.commitIndex : null),
      appliedIndex: own?.appliedIndex ?? member.appliedIndex ?? (isLeader ? status.appliedIndex : null),
      matchIndex: member.matchIndex,
      lag: member.lag,
      lastContactMs: member.lastContactMs,
      lamport: own?.lamport ?? member.lamport ?? (isLeader ? status.lamport : null),
      health,
      stale,
    };
  });
}

function memberHealth(member: MemberView, isLeader: boolean): MemberHealth {
  if (isLeader) return 'ok';
  if (member.lastContactMs === null) return 'unknown';
  if (member.lastContactMs > UNREACHABLE_AFTER_MS) return 'unreachable';
  return member.lag > LAGGING_AFTER_ENTRIES ? 'lagging' : 'ok';
}
