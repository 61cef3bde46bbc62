// The follower's side of proposal forwarding. Writes its clients make are validated and encoded here
// by the follower, queued for the rest of the event-loop turn, and sent to the leader as one Forward
// message (per WIRE_LIMITS.maxProposals). The leader appends them, stamped with its own clock, and
// answers with where they landed; each proposal is then told its index and term, and waits for that
// entry to apply on this replica like the leader's own proposals do.
//
// Outcomes a caller can see:
//   - placed(index, term): the leader appended it there (it may still be lost to a newer leader);
//   - NotLeaderError: it was never appended (no leader known when sent, or the leader refused the
//     Forward): safe to retry;
//   - OutcomeUnknownError: sent, but no answer came before the leader or term changed, or in time.

import { NotLeaderError } from '../raft/errors.ts';
import type { ForwardedProposal, ForwardResponse, NodeId } from '../raft/types.ts';
import { WIRE_LIMITS } from '../transport/codec.ts';
import { OutcomeUnknownError } from './waiters.ts';

export interface QueuedProposal {
  readonly proposal: ForwardedProposal;
  /** The leader appended it at `index` in `term`. */
  placed(index: number, term: number): void;
  failed(error: Error): void;
}

interface InFlight {
  readonly leader: NodeId;
  readonly sentAtMs: number;
  readonly proposals: readonly QueuedProposal[];
}

export interface ForwardSender {
  /** Sends one Forward to `leader`. */
  (leader: NodeId, seq: number, proposals: readonly ForwardedProposal[]): void;
}

export class ForwardQueue {
  private queued: QueuedProposal[] = [];
  private readonly inFlight = new Map<number, InFlight>();
  private seq = 0;

  constructor(private readonly send: ForwardSender) {}

  /** Queues a proposal for the next `flush`. Returns whether the queue was empty before (schedule a flush). */
  add(item: QueuedProposal): boolean {
    this.queued.push(item);
    return this.queued.length === 1;
  }

  /** Sends everything queued to `leader`; with no leader, fails it as never appended. */
  flush(leader: NodeId | null, nowMs: number): void {
    const queued = this.queued;
    this.queued = [];
    if (leader === null) {
      for (const item of queued) item.failed(new NotLeaderError(null));
      return;
    }
    for (let start = 0; start < queued.length; start += WIRE_LIMITS.maxProposals) {
      const batch = queued.slice(start, start + WIRE_LIMITS.maxProposals);
      const seq = ++this.seq;
      this.inFlight.set(seq, { leader, sentAtMs: nowMs, proposals: batch });
      this.send(
        leader,
        seq,
        batch.map((item) => item.proposal),
      );
    }
  }

  /** Settles the Forward that `m` answers; an answer from anyone but its addressee is ignored. */
  settle(m: ForwardResponse): void {
    const flight = this.inFlight.get(m.seq);
    if (flight === undefined || flight.leader !== m.from) return;
    this.inFlight.delete(m.seq);
    if (m.reject) {
      for (const item of flight.proposals) item.failed(new NotLeaderError(null));
      return;
    }
    flight.proposals.forEach((item, i) => item.placed(m.firstIndex + i, m.term));
  }

  /** The leader or term changed (or the replica stops): nothing in flight will be answered. */
  abandon(reason: string): void {
    for (const flight of this.inFlight.values()) {
      for (const item of flight.proposals) item.failed(new OutcomeUnknownError(reason));
    }
    this.inFlight.clear();
  }

  /** The replica stops: queued proposals were never sent, sent ones will not be answered. */
  close(reason: string): void {
    this.flush(null, 0);
    this.abandon(reason);
  }

  /** Gives up on Forwards unanswered for `maxAgeMs` (a lost message). */
  expire(nowMs: number, maxAgeMs: number): void {
    for (const [seq, flight] of this.inFlight) {
      if (nowMs - flight.sentAtMs < maxAgeMs) continue;
      this.inFlight.delete(seq);
      for (const item of flight.proposals) item.failed(new OutcomeUnknownError(`the leader did not answer a forwarded write within ${maxAgeMs} ms`));
    }
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }
}
