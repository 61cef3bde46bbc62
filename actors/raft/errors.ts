// Expected outcomes the core reports to its shell (tier b of the error model). Broken invariants are
// plain Errors with an 'invariant:' message and stop the replica.

import type { NodeId } from './types.ts';

export const RaftErrorCode = {
  NotLeader: 'not_leader',
  ProposalDropped: 'proposal_dropped',
  ConfigChangeRefused: 'config_change_refused',
} as const;

/** This replica is not the leader; `leaderHint` is the leader it knows of, if any. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  readonly code = RaftErrorCode.NotLeader;
  constructor(readonly leaderHint: NodeId | null) {
    super(leaderHint ? `not the leader; the leader is ${leaderHint}` : 'not the leader; no leader is known');
  }
}

/** The leader cannot take proposals right now (a leadership transfer is in progress). */
export class ProposalDroppedError extends Error {
  override readonly name = 'ProposalDroppedError';
  readonly code = RaftErrorCode.ProposalDropped;
}

/** A membership change or leadership transfer was refused; `message` says why. */
export class ConfigChangeRefusedError extends Error {
  override readonly name = 'ConfigChangeRefusedError';
  readonly code = RaftErrorCode.ConfigChangeRefused;
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant: ${message}`);
}
