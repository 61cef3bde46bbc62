// The leader's view of one follower's log (etcd's tracker/progress.go).
//
// States:
//   probe     — the match point is unknown; at most one Append is in flight, until it is answered.
//   replicate — the match point is known; Appends are pipelined, at most `maxInflight` unanswered.
//   snapshot  — the follower needs entries the leader compacted away; snapshot chunks are sent one at
//               a time, then the follower returns to probe.

import type { Snapshot } from './types.ts';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to match the leader's log. */
  match = 0;
  /** Next index to send. `match < next`. */
  next: number;
  state: ProgressState = 'probe';
  /** probe: an Append is outstanding. */
  probeSent = false;
  /** replicate: last index of each unanswered Append, ascending. */
  private inflight: number[] = [];
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Core tick of the last message received from this follower. */
  lastContactTick = 0;
  /** Core tick of the last Append or snapshot chunk sent to this follower. */
  lastSendTick = 0;
  /**
   * What the member last reported about itself (null until it did): its Lamport clock (every message
   * carries it), commit and applied index (heartbeat responses). For status only, never for consensus.
   */
  readonly reported: { lamport: number | null; commit: number | null; applied: number | null } = {
    lamport: null,
    commit: null,
    applied: null,
  };
  /** Highest ReadIndex heartbeat sequence the follower answered. */
  readSeqAcked = 0;
  /**
   * snapshot: the snapshot being sent (kept until the transfer ends, even if the leader compacts
   * again meanwhile, so a transfer always finishes), its index, and the next byte offset to send.
   */
  snapshot: Snapshot | null = null;
  snapshotIndex = 0;
  snapshotOffset = 0;
  snapshotChunkInFlight = false;

  constructor(
    next: number,
    readonly maxInflight: number,
  ) {
    this.next = next;
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it; otherwise retry from just past the known match.
    const resumeAt = this.state === 'snapshot' ? Math.max(this.match, this.snapshotIndex) + 1 : this.match + 1;
    this.state = 'probe';
    this.next = resumeAt;
    this.probeSent = false;
    this.inflight = [];
    this.snapshotChunkInFlight = false;
    this.snapshot = null;
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflight = [];
    this.snapshot = null;
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.state = 'snapshot';
    this.snapshot = snapshot;
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotOffset = 0;
    this.snapshotChunkInFlight = false;
    this.inflight = [];
  }

  /** Records a successful acknowledgement up to `index`. Returns whether `match` advanced. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < index + 1) this.next = index + 1;
    while (this.inflight.length > 0 && this.inflight[0]! <= index) this.inflight.shift();
    return updated;
  }

  /** Whether the leader may send another Append now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= this.maxInflight;
      case 'snapshot':
        return true;
    }
  }

  /** Records an Append whose last entry is `lastIndex` (`lastIndex` = prevIndex when empty). */
  sentAppend(lastIndex: number, entryCount: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  inflightCount(): number {
    return this.inflight.length;
  }
}
