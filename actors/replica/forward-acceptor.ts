// The leader's side of proposal forwarding (the follower's side is forward-queue.ts). A Forward's
// commands are appended as the leader's own proposals, stamped with the leader's clock, and the
// follower is told where they landed. The leader also remembers, per follower, the forwarded entries
// whose commit that follower has not been sent yet: the follower answers its clients from its own
// apply, so the outbox sends a commit notice covering them at once instead of holding it.

import type { Append, Forward, ForwardedProposal, NodeId, SoftState } from '../raft/types.ts';

export interface ForwardAcceptorPorts {
  soft(): SoftState;
  /** The leader's clock for the next proposal (never goes backwards). */
  nextLogTimeMs(): number;
  /** Entry data for a forwarded command (MachineHost.encodeForwarded). Throws CommandRejectedError. */
  encode(proposal: ForwardedProposal, logTimeMs: number): Uint8Array;
  /** Appends to the leader's log and returns the first index (Raft.propose). */
  propose(data: readonly Uint8Array[]): number;
  /** Sends the ForwardResponse. */
  answer(to: NodeId, term: number, seq: number, firstIndex: number, reject: boolean): void;
  warn(line: string): void;
}

export class ForwardAcceptor {
  private readonly awaitingCommit = new Map<NodeId, { first: number; last: number }>();

  constructor(private readonly ports: ForwardAcceptorPorts) {}

  /**
   * Appends `m`'s commands if this replica leads `m.term`, and answers either way. Returns how many
   * entries were appended. Rethrows broken invariants (the replica must stop); any other failure (a
   * transfer in progress, a command the follower should have refused) refuses the whole batch.
   */
  accept(m: Forward): number {
    const soft = this.ports.soft();
    let firstIndex = 0;
    let appended = 0;
    if (soft.role === 'leader' && m.term === soft.term) {
      try {
        const logTimeMs = this.ports.nextLogTimeMs();
        const data = m.proposals.map((p) => this.ports.encode(p, logTimeMs));
        firstIndex = this.ports.propose(data);
        appended = data.length;
        this.noteForwarded(m.from, firstIndex, firstIndex + appended - 1);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('invariant:')) throw error;
        this.ports.warn(`refused a forwarded batch from ${m.from}: ${String(error)}`);
      }
    }
    this.ports.answer(m.from, soft.term, m.seq, firstIndex, appended === 0);
    return appended;
  }

  /** Whether a commit notice tells its follower of forwarded writes it waits for (it then goes at once). */
  isAwaited(notice: Append): boolean {
    const awaiting = this.awaitingCommit.get(notice.to);
    if (awaiting === undefined || notice.commit < awaiting.first) return false;
    if (notice.commit >= awaiting.last) this.awaitingCommit.delete(notice.to);
    else awaiting.first = notice.commit + 1;
    return true;
  }

  /** Leadership or term changed: earlier indexes mean nothing any more. */
  clear(): void {
    this.awaitingCommit.clear();
  }

  private noteForwarded(follower: NodeId, first: number, last: number): void {
    const awaiting = this.awaitingCommit.get(follower);
    if (awaiting === undefined) this.awaitingCommit.set(follower, { first, last });
    else awaiting.last = last;
  }
}
